#!/usr/bin/env bash
# haproxy-timeout-tunnel: HAProxy in TCP mode (`timeout tunnel 10s`) in front of a line-protocol
# server; pooled client connections idle 4 s and 8 s survive, those idle 18 s and 24 s are closed
# by HAProxy at 10 s of silence and their next command is answered by an RST. At the same time,
# WebSocket connections through an HTTP-mode frontend with the same tunnel timeout: those that
# send messages or pings every 4 s survive, the silent ones are closed at 10 s.
# Captures: client.pcap (client <-> HAProxy), server.pcap (HAProxy <-> server), the same for the
# WebSocket connections in ws-client.pcap and ws-server.pcap. Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need haproxy
SILENCES=${SILENCES:-4,8,18,24}

lab_topology haptun
lab_bg "$SERVER_NS" python3 line_server.py
lab_wait_port "$SERVER_NS" 127.0.0.1 6380
lab_bg "$SERVER_NS" node ws.cjs server 8081
lab_wait_port "$SERVER_NS" 127.0.0.1 8081
rm -f observed.txt
HAPROXY_LOG=$(mktemp)
lab_bg "$MBOX_NS" bash -c "exec haproxy -db -f haproxy.cfg >$HAPROXY_LOG 2>&1"
sleep 1

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 6380' 90
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 6380' 90
lab_capture "$CLIENT_NS" c0 ws-client.pcap 'tcp port 8081' 90
lab_capture "$SERVER_NS" s0 ws-server.pcap 'tcp port 8081' 90
in_client node ws.cjs client "ws://$MBOX_CLIENT_IP:8081/events" >observed.txt.ws &
WS=$!
(sleep 12 && { echo "== ss -tn in the client 12 s in (CLOSE-WAIT: HAProxy closed, the pool has not noticed)";
  in_client ss -tno; } >>observed.txt) &
DUMPER=$!
{ echo "== client (silences $SILENCES s)"; in_client python3 pool_client.py "$MBOX_CLIENT_IP" 6380 "$SILENCES"; } |
  tee -a observed.txt
wait $DUMPER
wait $WS
{ echo "== WebSocket clients (ws)"; cat observed.txt.ws; } >>observed.txt
rm -f observed.txt.ws
lab_stop_captures
{ echo "== HAProxy log (termination state cD = client-side timeout while in data phase)"; cat "$HAPROXY_LOG"; } >>observed.txt
rm -f "$HAPROXY_LOG"
lab_gzip_big client.pcap server.pcap ws-client.pcap ws-server.pcap
