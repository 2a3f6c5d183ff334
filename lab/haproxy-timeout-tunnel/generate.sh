#!/usr/bin/env bash
# haproxy-timeout-tunnel: HAProxy in TCP mode (`timeout tunnel 10s`) in front of a line-protocol
# server; pooled client connections idle 4 s and 8 s survive, those idle 18 s and 24 s are closed
# by HAProxy at 10 s of silence and their next command is answered by an RST.
# Captures: client.pcap (client <-> HAProxy), server.pcap (HAProxy <-> server). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need haproxy
SILENCES=${SILENCES:-4,8,18,24}

lab_topology haptun
lab_bg "$SERVER_NS" python3 line_server.py
lab_wait_port "$SERVER_NS" 127.0.0.1 6380
rm -f observed.txt
HAPROXY_LOG=$(mktemp)
lab_bg "$MBOX_NS" bash -c "exec haproxy -db -f haproxy.cfg >$HAPROXY_LOG 2>&1"
sleep 1

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 6380' 90
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 6380' 90
(sleep 12 && { echo "== ss -tn in the client 12 s in (CLOSE-WAIT: HAProxy closed, the pool has not noticed)";
  in_client ss -tno; } >>observed.txt) &
DUMPER=$!
{ echo "== client (silences $SILENCES s)"; in_client python3 pool_client.py "$MBOX_CLIENT_IP" 6380 "$SILENCES"; } |
  tee -a observed.txt
wait $DUMPER
lab_stop_captures
{ echo "== HAProxy log (termination state cD = client-side timeout while in data phase)"; cat "$HAPROXY_LOG"; } >>observed.txt
rm -f "$HAPROXY_LOG"
lab_gzip_big client.pcap server.pcap
