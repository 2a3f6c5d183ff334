#!/usr/bin/env bash
# Regenerates capture.pcap for this scenario. Run as root (tcpdump on lo).
# The node process keeps running (holding the CLOSE_WAIT sockets) until tcpdump has stopped,
# so the capture never sees the server's late FINs.
cd "$(dirname "$0")"
source ../_lib/common.sh
need_tools tcpdump
start_capture capture.pcap 'tcp port 7400' 40
timeout 30 node scenario.cjs > node.log 2>&1 &
NODE_PID=$!
# capture until the script says the 7 s observation window is over
for _ in $(seq 1 250); do grep -q 'capture ends' node.log 2>/dev/null && break; sleep 0.1; done
stop_capture
wait "$NODE_PID" || true
cat node.log; rm -f node.log
