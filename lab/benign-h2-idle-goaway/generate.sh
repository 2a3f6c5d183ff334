#!/usr/bin/env bash
# benign-h2-idle-goaway: nginx closes HTTP/2 connections that sit idle longer than its
# keepalive_timeout (3 s here; 75 s by default) — GOAWAY(NO_ERROR, last-stream-id), then FIN —
# and Node http2 clients working in bursts with 1-6 s pauses open a new connection for their
# next burst. The everyday end of an HTTP/2 connection. Capture: client.pcap.gz on the
# client's link (client — router — nginx). Needs root; about 45 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
for i in 1 2 3 4 5; do (set +o pipefail; yes '{"id":1,"name":"item","ok":true},' | head -c $((i * 900))) >"$WORK/htdocs/item$i.json"; done
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
  keepalive_timeout 3s;
  server { listen $SERVER_IP:8081 http2; root $WORK/htdocs; }
}
CONF

lab_topology h2idle
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 8081
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8081' 120
{
  echo "== 4 Node http2 clients x 10 bursts (5-40 requests, pauses 1-6 s) -> nginx h2c, keepalive_timeout 3s"
  in_client node client.cjs "http://$SERVER_IP:8081" 4 10
} | tee observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
