#!/usr/bin/env bash
# benign-goaway-drain: graceful HTTP/2 drains that clients ride through.
#  grpc.pcap.gz  — @grpc/grpc-js server with grpc.max_connection_age_ms 4 s (GOAWAY NO_ERROR,
#                  in-flight calls finish, the client reconnects), then tryShutdown() while
#                  server streams are in flight. Client — router — server.
#  nginx.pcap.gz — nginx (h2c on the middlebox, proxying to a Node origin) reloaded twice with
#                  `nginx -s reload` while Node http2 clients have requests in flight: the old
#                  worker sends GOAWAY, finishes its streams and closes; clients open a new
#                  connection to the new worker.
#  node.pcap.gz  — a Node http2 server that drains each connection with session.close() after
#                  150 requests, then shuts down with server.close() + session.close() while
#                  requests are in flight; the same Node http2 clients.
# Needs root; about a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx jq

lab_topology drain
# --- gRPC ---
lab_bg "$SERVER_NS" node grpc-server.cjs 0.0.0.0:50051 4000
GRPC_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 50051
lab_capture "$CLIENT_NS" c0 grpc.pcap 'tcp port 50051' 120
{
  echo "== grpc-js client, 2 channels, 24 calls in flight, 15 s; server max_connection_age 4 s, tryShutdown when the client stops starting calls"
  in_client node grpc-client.cjs "$SERVER_IP:50051" 15000 24 "$GRPC_PID"
} | tee observed.txt
lab_stop_captures

# --- nginx reload ---
WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/tmp"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log notice;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  upstream origin { server $SERVER_IP:8080; keepalive 8; }
  server {
    listen $MBOX_CLIENT_IP:8081 http2;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
lab_bg "$SERVER_NS" node origin.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 8081
lab_capture "$CLIENT_NS" c0 nginx.pcap 'tcp port 8081' 120
{
  echo "== 4 Node http2 clients -> nginx h2c $MBOX_CLIENT_IP:8081 for 20 s; nginx -s reload at 6 s and 13 s"
  (sleep 6 && in_mbox nginx -c "$WORK/nginx.conf" -s reload && sleep 7 && in_mbox nginx -c "$WORK/nginx.conf" -s reload) &
  in_client node h2-client.cjs "http://$MBOX_CLIENT_IP:8081" 4 20000
  wait
} | tee -a observed.txt
lab_stop_captures
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"

# --- Node http2: session.close() at a per-connection limit, then server.close() ---
lab_bg "$SERVER_NS" node h2-server.cjs 8443 150
H2_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 8443
lab_capture "$CLIENT_NS" c0 node.pcap 'tcp port 8443' 120
{
  echo "== 4 Node http2 clients -> Node http2 server $SERVER_IP:8443 for 15 s; session.close() after 150 streams; server.close() + session.close() when the clients stop sending"
  in_client node h2-client.cjs "http://$SERVER_IP:8443" 4 15000 "$H2_PID"
} | tee -a observed.txt
lab_stop_captures

lab_gzip_big grpc.pcap nginx.pcap node.pcap
echo "== tracelens" >>observed.txt
benign_summary grpc.pcap* nginx.pcap* node.pcap* | tee -a observed.txt
