#!/usr/bin/env bash
# benign-longpoll-sse: long-poll and server-sent events through nginx (reverse proxy on the
# middlebox: proxy_buffering off, proxy_read_timeout 60 s) to a Node origin.
#  - 20 long-poll loops (Python requests.Session): each request held 10-25 s, then answered; the
#    next poll follows at once on the same keep-alive connection, for about 70 s.
#  - 8 SSE readers (requests, stream=True): an event every 2-5 s for a minute, then the server
#    ends the stream.
# Silences on these connections last at most 25 s, under the 30 s idle threshold.
# The same over HTTP/2: 4 Node http2 sessions to nginx h2c, each multiplexing a long-poll loop
# and an SSE stream. Captures: client.pcap (client — nginx, HTTP/1.1), h2-client.pcap (client —
# nginx, HTTP/2), server.pcap (nginx — origin). Needs root; ~1.5 min.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/tmp"
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
  keepalive_timeout 75s;
  upstream origin { server $SERVER_IP:8080; keepalive 16; }
  server {
    listen $MBOX_CLIENT_IP:80;
    listen $MBOX_CLIENT_IP:8081 http2;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
CONF

lab_topology lpsse
lab_bg "$SERVER_NS" node server.cjs 8080 60
SERVER_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 80

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 200
lab_capture "$CLIENT_NS" c0 h2-client.pcap 'tcp port 8081' 200
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 200
{
  echo "== 20 long-poll loops (~70 s) + 8 SSE readers (60 s streams) via nginx $MBOX_CLIENT_IP:80"
  in_client node h2-client.cjs "http://$MBOX_CLIENT_IP:8081" 4 70 >"$WORK/h2.out" &
  H2=$!
  in_client "$PY" client.py "http://$MBOX_CLIENT_IP" 20 8 70
  wait $H2
  echo "== over HTTP/2 (h2c, nginx :8081): 4 Node http2 sessions, each a long-poll loop + an SSE stream"
  cat "$WORK/h2.out"
} | tee observed.txt
sleep 1
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
kill -TERM "$SERVER_PID" 2>/dev/null || true
sleep 1
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap h2-client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* h2-client.pcap* | tee -a observed.txt
