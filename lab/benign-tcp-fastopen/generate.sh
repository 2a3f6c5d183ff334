#!/usr/bin/env bash
# benign-tcp-fastopen: TCP Fast Open (RFC 7413): after a first connection that fetches a TFO
# cookie, curl --tcp-fastopen sends each HTTP request inside the SYN, and nginx
# (listen … fastopen=256) hands it to the server before the handshake completes; the SYN-ACK
# acknowledges the data. 200 requests, one connection each. Capture: client.pcap.gz on the
# client's link (client — router — server). Needs root; about 10 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx curl tshark jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
(set +o pipefail; yes '{"id":1,"fast":"open"},' | head -c 3000) >"$WORK/htdocs/item.json"
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
  server { listen $SERVER_IP:80 fastopen=256; root $WORK/htdocs; }
}
CONF

lab_topology tfo
in_client sysctl -qw net.ipv4.tcp_fastopen=1
in_server sysctl -qw net.ipv4.tcp_fastopen=2
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 120
{
  echo "== 200 x curl --tcp-fastopen http://$SERVER_IP/item.json"
  for i in $(seq 1 200); do
    in_client curl -sS --tcp-fastopen -o /dev/null -w '%{http_code}\n' "http://$SERVER_IP/item.json?i=$i"
  done | sort | uniq -c
} | tee observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap
tshark -r client.pcap* -Y 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.len>0' 2>/dev/null | wc -l |
  sed 's/^/SYNs carrying the request: /' | tee -a observed.txt
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
