#!/usr/bin/env bash
# idle-reset-open-stream: a gRPC server stream stays open and quiet through a conntrack NAT that
# forgets flows idle for 15 s; 20.5 s into the silence the client makes a call on the same
# connection and the NAT answers with an RST. The stream was open the whole time, but the silence,
# not a deadline, explains the reset.
# Captures: client.pcap (client side of the NAT), server.pcap (server side). Needs root. ~30 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlg}
TIMEOUT=${TIMEOUT:-15}
SILENCE=${SILENCE:-20.5}
source ../_lib/netns.sh

lab_topology natstream
lab_conntrack_nat "$TIMEOUT" reject
lab_bg "$SERVER_NS" node ../benign-grpc-cancel-deadline/server.cjs 0.0.0.0:50051
lab_wait_port "$SERVER_NS" 127.0.0.1 50051
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 50051' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 50051' 60
echo "== client (NAT established timeout ${TIMEOUT} s, silence ${SILENCE} s)" >>observed.txt
in_client node client.cjs "$SERVER_IP:50051" "$SILENCE" | tee -a observed.txt
lab_stop_captures
{ echo "== iptables counters"; in_mbox iptables -vnL FORWARD; } >>observed.txt
lab_gzip_big client.pcap server.pcap
