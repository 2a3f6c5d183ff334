#!/usr/bin/env bash
# benign-cancel-via-proxy: browser-like HTTP/2 clients (Node http2) cancel a third of their
# requests (RST_STREAM CANCEL, 30-200 ms in) through nginx (h2c on the middlebox) to an
# HTTP/1.1 origin. HTTP/1.1 has no way to cancel one request, so nginx aborts the upstream
# request by closing its connection (the default, proxy_ignore_client_abort off) — before the
# answer or in the middle of a chunked stream. Captures: client.pcap.gz (clients — nginx),
# server.pcap.gz (nginx — origin); then the same through HAProxy 2.6 (h2 front, HTTP/1.1 back):
# haproxy-client.pcap.gz, haproxy-server.pcap.gz. Needs root; about 40 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx haproxy jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/tmp"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  upstream origin { server $SERVER_IP:8080; keepalive 16; }
  server {
    listen $MBOX_CLIENT_IP:8081 http2;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF

lab_topology cancelpx
lab_bg "$SERVER_NS" node origin.cjs 8080
ORIGIN_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 8081

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8081' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 300
{
  echo "== 4 Node http2 clients x 400 requests -> nginx h2c $MBOX_CLIENT_IP:8081 -> origin $SERVER_IP:8080"
  in_client node client.cjs "http://$MBOX_CLIENT_IP:8081" 4 400
} | tee observed.txt
sleep 1
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
kill -TERM "$ORIGIN_PID" 2>/dev/null || true
sleep 1
lab_stop_captures

# The same through HAProxy 2.6 (h2 front, HTTP/1.1 back with connection reuse).
cat >"$WORK/haproxy.cfg" <<CONF
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 10s
frontend h2c
  bind $MBOX_CLIENT_IP:8082 proto h2
  default_backend origin
backend origin
  http-reuse safe
  server o1 $SERVER_IP:8080
CONF
lab_bg "$SERVER_NS" node origin.cjs 8080
ORIGIN_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_bg "$MBOX_NS" haproxy -f "$WORK/haproxy.cfg" -db
HAP_PID=$LAB_LAST_PID
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 8082
lab_capture "$CLIENT_NS" c0 haproxy-client.pcap 'tcp port 8082' 300
lab_capture "$SERVER_NS" s0 haproxy-server.pcap 'tcp port 8080' 300
{
  echo "== the same via HAProxy h2c $MBOX_CLIENT_IP:8082 -> origin"
  in_client node client.cjs "http://$MBOX_CLIENT_IP:8082" 4 400
} | tee -a observed.txt
sleep 1
kill -TERM "$ORIGIN_PID" 2>/dev/null || true
sleep 1
lab_stop_captures
kill "$HAP_PID" 2>/dev/null || true
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap haproxy-client.pcap haproxy-server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* haproxy-client.pcap* haproxy-server.pcap* | tee -a observed.txt
