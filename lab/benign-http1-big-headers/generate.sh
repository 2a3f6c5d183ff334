#!/usr/bin/env bash
# benign-http1-big-headers: header sections larger than a TCP segment, both ways, through nginx
# (large_client_header_buffers 4 32k, proxy_buffer_size 32k) to a Node origin: requests with
# cookies of 0.5-24 KB and a long X-Trace header, responses with 20 Set-Cookie headers of ~1 KB
# and a 2 KB Link header. 3 keep-alive sessions x 100 requests. Captures: client.pcap.gz
# (client — nginx), server.pcap.gz (nginx — origin). Needs root; about 10 s.
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
  large_client_header_buffers 4 32k;
  upstream origin { server $SERVER_IP:8080; keepalive 4; }
  server {
    listen $MBOX_CLIENT_IP:80;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffer_size 32k;
      proxy_buffers 8 32k;
    }
  }
}
CONF

lab_topology bighdr
lab_bg "$SERVER_NS" node origin.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
in_mbox nginx -c "$WORK/nginx.conf"
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 80
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 120
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 120
{
  echo "== 3 requests.Session x 100 GETs with 0.5-24 KB cookies -> nginx $MBOX_CLIENT_IP:80 -> origin (20 KB response headers)"
  in_client "$PY" client.py "http://$MBOX_CLIENT_IP" 100
} | tee observed.txt
sleep 1
lab_stop_captures
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* | tee -a observed.txt
