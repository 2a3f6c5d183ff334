#!/usr/bin/env bash
# h2-data-after-rst: a python-h2 client cancels its stream (RST_STREAM CANCEL) after 3 DATA frames;
# a raw HTTP/2 server (lab/_lib/h2_raw_server.py --mode ignore-rst) reads the RST_STREAM and keeps
# sending DATA on the stream every 50 ms for another second and a half. Captures: client.pcap.gz
# (client side of the router), server.pcap.gz (server side). Needs root; a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=tle
source ../_lib/netns.sh
lab_need tcpdump
PY=/usr/bin/python3 # Debian's python3-h2/hpack/hyperframe

lab_topology h2dr
lab_bg "$SERVER_NS" "$PY" ../_lib/h2_raw_server.py --port 8080 --mode ignore-rst
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
{
  echo "== client.py $SERVER_IP 8080 (python-h2)"
  in_client timeout 10 "$PY" client.py "$SERVER_IP" 8080 2>&1 || echo "(client exit $?)"
} >>observed.txt
sleep 0.5
lab_stop_captures
gzip -9f client.pcap server.pcap
