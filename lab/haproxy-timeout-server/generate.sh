#!/usr/bin/env bash
# haproxy-timeout-server: HAProxy (http mode, `timeout server 3s`) in front of a backend that
# takes 5 s on /slow: the clients get 504 Gateway Timeout 3 s after each slow request, and the
# backend sees HAProxy give up on the upstream connection 3 s after each request.
# Captures: client.pcap (curl <-> HAProxy), server.pcap (HAProxy <-> backend). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need haproxy curl

lab_topology hapsrv
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
rm -f observed.txt
HAPROXY_LOG=$(mktemp)
lab_bg "$MBOX_NS" bash -c "exec haproxy -db -f haproxy.cfg >$HAPROXY_LOG 2>&1"
lab_wait_port "$CLIENT_NS" "$MBOX_CLIENT_IP" 8080

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
URL="http://$MBOX_CLIENT_IP:8080"
req() { in_client curl -s -o /dev/null -w "$1 %{http_code} total %{time_total}s\n" "$URL$1"; }
{
  echo "== curl (one connection per request)"
  # Fast requests around four slow ones started 0.5 s apart: the fast ones are answered in
  # milliseconds, each slow one gets a 504 at 3 s.
  for i in 1 2 3; do req "/fast/$i"; done
  for i in 1 2 3 4; do
    req "/slow/$i?ms=5000" &
    sleep 0.5
  done
  for i in 4 5 6; do req "/fast/$i"; done
  wait
} | tee -a observed.txt
# Let the backend's late answers (at 5 s) reach the closed upstream sockets.
sleep 3
lab_stop_captures
{ echo "== HAProxy log (termination state sH = server timeout while waiting for the response headers)"; cat "$HAPROXY_LOG"; } >>observed.txt
rm -f "$HAPROXY_LOG"
lab_gzip_big client.pcap server.pcap
