#!/usr/bin/env bash
# benign-grpc-streams: the other gRPC call shapes, at size: client-streaming uploads (100
# messages of 4-64 KB each), bidirectional chats (8 s, a message every 50-300 ms, echoed) and
# server streams of 20 messages of 64 KB, 256 KB and 1 MB — messages far larger than an HTTP/2
# frame (16 KB) and than the flow-control windows, so they span many DATA frames and wait for
# WINDOW_UPDATEs; one channel asks for gzip (grpc-encoding, compressed-flag messages), one does
# not. @grpc/grpc-js both sides, client — router — server. Capture: client.pcap.gz on the
# client's link. Needs root; about 15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need jq

lab_topology grpcs
lab_bg "$SERVER_NS" node server.cjs 0.0.0.0:50052
lab_wait_port "$SERVER_NS" 127.0.0.1 50052
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 50052' 120
{
  echo "== 2 channels (plain, gzip) x (3 chats + 4 uploads + 3 downloads) -> $SERVER_IP:50052"
  in_client node client.cjs "$SERVER_IP:50052"
} | tee observed.txt
sleep 1
lab_stop_captures
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
