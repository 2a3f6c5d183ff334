#!/usr/bin/env bash
# benign-chromium-page: a real browser (headless Chromium) loads a page over HTTPS/HTTP/2 from
# nginx — 36 sub-resources, 30 API fetches of which every third is aborted mid-flight by the
# page (AbortController -> RST_STREAM CANCEL), 4 more fetches — then navigates to a second
# page; the browser is closed after 60 s. Chromium writes its TLS secrets (--ssl-key-log-file) to keys.txt.
# Captures: client.pcap.gz on the client's link. Needs root; about 30 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx openssl chromium jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/tmp" "$WORK/profile"
bash site.sh "$WORK/site"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lab.example" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  types { text/html html; text/css css; application/javascript js; image/svg+xml svg; application/json json; }
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server {
    listen $SERVER_IP:443 ssl http2;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    root $WORK/site;
    # A slow API answer (60 KB: 30 KB at once, then 30 KB/s), so the page's aborts land mid-transfer.
    location = /api/slow.json { alias $WORK/site/api/big.json; limit_rate 30k; default_type application/json; }
  }
}
CONF

lab_topology chrome
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 443
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 443' 120
rm -f keys.txt
{
  echo "== chromium --headless=new https://$SERVER_IP/index.html (the page then goes to page2.html); closed after 60 s"
  # The browser stays up (as a user's tab would) until timeout stops it (SIGTERM: a normal quit).
  in_client timeout 60 chromium --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
    --user-data-dir="$WORK/profile" --ssl-key-log-file="$PWD/keys.txt" \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --remote-debugging-port=0 "https://$SERVER_IP/index.html" >/dev/null 2>&1 || true
  chmod 644 keys.txt
} | tee observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens (with keys.txt)" >>observed.txt
for f in client.pcap*; do
  node ../../bin/tracelens.mjs analyze "$f" --keylog keys.txt --json |
    jq -r --arg f "$f" '"\($f): connections \(.connections|length), streams \(.streams|length), exchanges \(.exchanges|length); findings: " + ([.findings[] | "\(.severity) \(.kind)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", ") | if . == "" then "none" else . end)'
done | tee -a observed.txt
