#!/usr/bin/env bash
# benign-http1-pipelining: HTTP/1.1 pipelining the way apt's http method uses it — batches of
# 5 GETs written back to back on a keep-alive connection, responses read in order — against
# nginx (which answers pipelined requests in order, RFC 9112 §9.3.2). 8 connections x 50
# batches. Capture: client.pcap.gz on the client's link (client — router — server). Needs
# root; about 10 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs/dists/stable" "$WORK/htdocs/pool" "$WORK/tmp"
(set +o pipefail; yes "Origin: Debian Label: Debian Suite: stable SHA256: 0123456789abcdef" | head -c 6000) >"$WORK/htdocs/dists/stable/InRelease"
for p in a:900 b:5000 c:14000 e:30000; do
  (set +o pipefail; yes "deb-payload ${p%%:*} 0123456789abcdef" | head -c "${p##*:}") >"$WORK/htdocs/pool/${p%%:*}.deb"
done
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
  server { listen $SERVER_IP:80; root $WORK/htdocs; }
}
CONF

lab_topology pipe
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 120
{
  echo "== 8 connections x 50 batches of 5 pipelined GETs -> nginx $SERVER_IP:80"
  in_client "$PY" client.py "$SERVER_IP" 80 8 50 5
} | tee observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
