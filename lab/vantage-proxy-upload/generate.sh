#!/usr/bin/env bash
# vantage-proxy-upload: curl uploads 400 kB at 200 kB/s through nginx (a terminating proxy:
# proxy_request_buffering off, proxy_read_timeout 2s) to a backend that reads the body, then
# answers at once (/upload/fast) or after 4 s (/upload/slow). nginx gives up on the slow ones 2 s
# after it has forwarded the last byte of the upload and answers 504 itself. Captures: client.pcap
# (curl <-> nginx), server.pcap (nginx <-> backend). Needs root; ~25 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need nginx curl

lab_topology upl
lab_bg "$SERVER_NS" python3 upload_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_nginx "$MBOX_NS" nginx.conf
lab_wait_port "$CLIENT_NS" "$MBOX_CLIENT_IP" 8080
BODY=$(mktemp)
head -c 400000 /dev/zero | tr '\0' 'u' >"$BODY"
rm -f observed.txt

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
URL="http://$MBOX_CLIENT_IP:8080"
up() { in_client curl -s -o /dev/null --limit-rate 200k --data-binary @"$BODY" -w "$1 %{http_code} uploaded %{size_upload} total %{time_total}s\n" "$URL$1"; }
{
  echo "== curl: 400 kB uploads at 200 kB/s, one connection each"
  up "/upload/fast/1"
  up "/upload/slow/1?ms=4000"
  up "/upload/fast/2"
  up "/upload/slow/2?ms=4000"
} | tee -a observed.txt
# The backend answers the abandoned uploads at 4 s: let those answers meet the closed sockets.
sleep 3
lab_stop_captures
rm -f "$BODY"
{
  echo "== nginx error log"
  grep -E "timed out|upstream" "$LAB_NGINX_PREFIX/error.log" || true
  echo "== nginx access log"
  cat "$LAB_NGINX_PREFIX/access.log"
} >>observed.txt
lab_gzip_big client.pcap server.pcap
