#!/usr/bin/env bash
# benign-paced-reader: clients that read a download at their own pace — a media-player-like
# reader (32 KiB every 50 ms, about 640 KiB/s) and a slower sync job (16 KiB every 100 ms,
# about 160 KiB/s) — fetching 3 MB and 1 MB files from nginx over one keep-alive connection
# each. Their receive windows fill and reopen all the time: TCP flow control doing its job.
# Capture: client.pcap on the client's link (client — router — server). Needs root; ~20 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
(set +o pipefail; yes "segment-bytes 0123456789abcdef ABCDEFGHIJKLMNOP" | head -c 3000000) >"$WORK/htdocs/video.ts"
(set +o pipefail; yes "sync-record 0123456789abcdef" | head -c 1000000) >"$WORK/htdocs/backup.dat"
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

lab_topology paced
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80' 120
{
  echo "== media-like reader: 32 KiB / 50 ms; sync job: 16 KiB / 100 ms"
  in_client "$PY" reader.py 32768 0.05 "http://$SERVER_IP/video.ts" "http://$SERVER_IP/video.ts" &
  in_client "$PY" reader.py 16384 0.1 "http://$SERVER_IP/backup.dat"
  wait
} | tee observed.txt
sleep 1
lab_stop_captures
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
