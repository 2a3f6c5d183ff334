#!/usr/bin/env bash
# benign-tls-keylog: HTTPS at volume that tracelens decrypts with the clients' key log: Node
# http2 sessions over TLS 1.3 (AES-256-GCM) and TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256) and a
# Node https keep-alive agent (HTTP/1.1 over TLS 1.3), against nginx (self-signed certificate
# made on the fly), client — router — server. Captures: client.pcap.gz on the client's link,
# keys.txt (NSS key log written by the clients' 'keylog' events). Then httpx.pcap.gz +
# httpx-keys.txt: httpx (python-h2 client) HTTP/2 over TLS, SSLKEYLOGFILE. Needs root; ~20 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx openssl jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lab.example" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
mk() { (set +o pipefail; yes '{"id":12345,"name":"widget","tags":["a","b"],"ok":true}' | head -c "$2") >"$WORK/htdocs/$1"; }
mk tiny.json 60
mk small.json 400
mk page.json 1400
mk list.json 3000
mk big.json 8000
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server {
    listen $SERVER_IP:443 ssl http2;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $WORK/htdocs;
  }
}
CONF

lab_topology tlskl
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 443
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 443' 120
{
  echo "== 2 h2 sessions TLS 1.3 + 2 h2 sessions TLS 1.2 + HTTP/1.1 agent (2 sockets) TLS 1.3, 250 requests each -> nginx $SERVER_IP:443"
  in_client node client.cjs "$SERVER_IP" keys.txt 250
} | tee observed.txt
sleep 1
lab_stop_captures
lab_capture "$CLIENT_NS" c0 httpx.pcap 'tcp port 443' 120
{
  echo "== httpx (python-h2) HTTP/2 over TLS, 8 threads on one client, 400 GETs -> nginx $SERVER_IP:443"
  in_client env SSLKEYLOGFILE="$PWD/httpx-keys.txt" "$PY" httpx_client.py "https://$SERVER_IP" 400
} | tee -a observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap httpx.pcap
chmod 644 httpx-keys.txt
echo "== tracelens (with keys.txt)" >>observed.txt
for f in client.pcap* httpx.pcap*; do
  k=keys.txt
  case "$f" in httpx*) k=httpx-keys.txt ;; esac
  node ../../bin/tracelens.mjs analyze "$f" --keylog "$k" --json |
    jq -r --arg f "$f" '"\($f): connections \(.connections|length), streams \(.streams|length), exchanges \(.exchanges|length); findings: " + ([.findings[] | "\(.severity) \(.kind)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", ") | if . == "" then "none" else . end)'
done | tee -a observed.txt
