#!/usr/bin/env bash
# benign-grpc-cancel-deadline: @grpc/grpc-js client and server, thousands of unary and
# server-streaming calls over three channels (three TCP connections); about a quarter cancelled
# by the client mid-flight (call.cancel() -> RST_STREAM CANCEL), a fifth with short deadlines
# (100-400 ms, sent as grpc-timeout) that fire while the server is still answering; keepalive
# PINGs from both sides (client every 10 s, server every 20 s). Captures: client.pcap.gz on the
# client's link, server.pcap.gz on the server's (client — router — server). Needs root; about
# a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
CALLS=${CALLS:-4000}
INFLIGHT=${INFLIGHT:-100}

lab_topology grpccd
lab_need jq
lab_bg "$SERVER_NS" node server.cjs 0.0.0.0:50051
SERVER_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 50051

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 50051' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 50051' 300
{
  echo "== client ($CALLS calls, 3 channels, $INFLIGHT in flight, keepalive 10 s -> $SERVER_IP:50051)"
  in_client node client.cjs "$SERVER_IP:50051" "$CALLS" 3 "$INFLIGHT" 10000
} | tee observed.txt
sleep 1
lab_stop_captures
kill -TERM "$SERVER_PID" 2>/dev/null || true
sleep 1
lab_gzip_big client.pcap server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* | tee -a observed.txt
