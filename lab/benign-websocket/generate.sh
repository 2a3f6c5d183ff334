#!/usr/bin/env bash
# benign-websocket: 20 ws (npm) clients through nginx (reverse proxy on the middlebox,
# proxy_set_header Upgrade/Connection) to a ws server: HTTP/1.1 Upgrade -> 101, text and
# binary messages both ways for ~30-40 s, pings from both sides (server every 10 s, client every
# 7 s), clean closes (1000) — plus 10 clients straight to the server (no proxy), and 5 quiet
# subscribers (one message, then silence but for the server's ping every 25 s, for 70 s).
# Captures: client.pcap.gz (client side of nginx), server.pcap.gz (server side). Needs root;
# about 80 s.
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
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen $MBOX_CLIENT_IP:80;
    location /ws {
      proxy_pass http://$SERVER_IP:8080;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 60s;
    }
  }
}
CONF

lab_topology ws
lab_bg "$SERVER_NS" node server.cjs 8080 10000
SERVER_PID=$LAB_LAST_PID
lab_bg "$SERVER_NS" node server.cjs 8082 25000 0
QUIET_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8082
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 80

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80 or tcp port 8080 or tcp port 8082' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080 or tcp port 8082' 300
{
  echo "== 20 clients via nginx ws://$MBOX_CLIENT_IP/ws, 10 direct ws://$SERVER_IP:8080/ws, 40 s each; 5 quiet subscribers ws://$SERVER_IP:8082/alerts for 70 s (server pings every 25 s)"
  in_client node client.cjs "ws://$MBOX_CLIENT_IP/ws" 20 40 &
  P1=$!
  in_client node client.cjs "ws://$SERVER_IP:8082/alerts" 5 70 quiet &
  P2=$!
  in_client node client.cjs "ws://$SERVER_IP:8080/ws" 10 40
  wait $P1 $P2
} | tee observed.txt
sleep 1
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
kill -TERM "$SERVER_PID" "$QUIET_PID" 2>/dev/null || true
sleep 1
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* | tee -a observed.txt
