#!/usr/bin/env bash
# h2-goaway-answered-above-last: nghttp (nghttp2's client) requests two URLs at once (streams 1 and 3) from a raw
# HTTP/2 server in mode "goaway-answer" (lab/_lib/h2_raw_server.py; see README.md). Captures:
# client.pcap.gz (client side of the router), server.pcap.gz (server side). Needs root; a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=tle
source ../_lib/netns.sh
lab_need nghttp tcpdump
PY=/usr/bin/python3 # Debian's python3-h2/hpack/hyperframe

lab_topology h2ga
lab_bg "$SERVER_NS" "$PY" ../_lib/h2_raw_server.py --port 8080 --mode goaway-answer
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
{
  echo "== nghttp -nv --no-dep http://$SERVER_IP:8080/a http://$SERVER_IP:8080/b"
  in_client timeout 10 nghttp -nv --no-dep "http://$SERVER_IP:8080/a" "http://$SERVER_IP:8080/b" 2>&1 || echo "(nghttp exit $?)"
} >>observed.txt
sleep 0.5
lab_stop_captures
gzip -9f client.pcap server.pcap
