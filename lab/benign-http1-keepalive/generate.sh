#!/usr/bin/env bash
# benign-http1-keepalive: Python requests.Session and httpx.Client send thousands of HTTP/1.1
# requests over reused keep-alive connections to nginx (reverse proxy on the middlebox), which
# reuses an upstream keepalive pool to a Node origin. JSON, blobs, chunked streams, POST bodies,
# static files, 404s; nginx closes each client connection after keepalive_requests (100) and
# the clients reconnect. Also 304s, HEADs, 204s. Then 400 requests to an HTTP/1.0 origin
# (Python http.server: a connection per request, half the bodies delimited by the close).
# Captures: client.pcap.gz (client — nginx), server.pcap.gz (nginx — origin), legacy.pcap
# (client — HTTP/1.0 origin). Needs root; about a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
N=${N:-1500} # requests per client thread (4 threads)

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/static" "$WORK/tmp"
head -c 700 /usr/share/common-licenses/GPL-3 >"$WORK/static/a.txt"
head -c 4000 /usr/share/common-licenses/GPL-3 >"$WORK/static/b.css"
head -c 30000 /usr/share/common-licenses/GPL-3 >"$WORK/static/c.js"
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
  keepalive_timeout 65s;
  keepalive_requests 100;
  upstream origin { server $SERVER_IP:8080; keepalive 8; }
  server {
    listen $MBOX_CLIENT_IP:80;
    location /static/ { alias $WORK/static/; }
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF

lab_topology h1ka
lab_need nginx jq
lab_bg "$SERVER_NS" node ../_lib/http1_backend.cjs 8080
lab_bg "$SERVER_NS" "$PY" ../_lib/http10_server.py 8000
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8000
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 80

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 300
lab_capture "$CLIENT_NS" c0 legacy.pcap 'tcp port 8000' 300
{
  echo "== client ($N requests x 4 threads, requests.Session x2 + httpx.Client x2 -> nginx $MBOX_CLIENT_IP:80)"
  in_client "$PY" client.py "http://$MBOX_CLIENT_IP" "$N"
  echo "== legacy: 400 requests to an HTTP/1.0 origin $SERVER_IP:8000 (connection per request, half the bodies close-delimited)"
  in_client "$PY" legacy_client.py "http://$SERVER_IP:8000" 400
} | tee observed.txt
sleep 1
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
sleep 1
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap legacy.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* legacy.pcap* | tee -a observed.txt
