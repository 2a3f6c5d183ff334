#!/usr/bin/env bash
# h2-flow-control-overrun: nghttp (nghttp2's client) advertises a 1023-byte stream window
# (SETTINGS_INITIAL_WINDOW_SIZE, -w 10); a raw HTTP/2 server acknowledges those SETTINGS and then
# sends 4 KiB more DATA than that window on the stream. Captures: client.pcap (client side of the
# router), server.pcap (server side). Needs root; takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=tle
source ../_lib/netns.sh
lab_need nghttp tcpdump
PY=/usr/bin/python3 # Debian's python3-h2/hpack/hyperframe

lab_topology h2fc
lab_bg "$SERVER_NS" "$PY" ../_lib/h2_raw_server.py --port 8080 --mode overrun
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
{
  echo "== nghttp -nv -w 10 http://$SERVER_IP:8080/big (stream window 2^10-1)"
  in_client timeout 10 nghttp -nv -w 10 "http://$SERVER_IP:8080/big" 2>&1 || echo "(nghttp exit $?)"
} >>observed.txt
sleep 0.5
lab_stop_captures
gzip -9f client.pcap server.pcap # small, but gzipped like every lab capture of this family
