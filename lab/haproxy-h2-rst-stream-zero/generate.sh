#!/usr/bin/env bash
# haproxy-h2-rst-stream-zero: the call mix of benign-grpc-cancel-deadline (its server.cjs and
# client.cjs: unary and server-streaming calls, a quarter cancelled mid-flight, a sixth with
# 100-400 ms deadlines, keepalive PINGs) — 2000 calls, 40 in flight — through HAProxy 2.6 in
# HTTP/2 on both sides (`bind … proto h2`, `server … proto h2`), which relays each client
# RST_STREAM upstream as its own RST_STREAM and keeps its server connections for reuse.
# Captures: client.pcap.gz (client — HAProxy), server.pcap.gz (HAProxy — server). Needs root;
# about 50 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need haproxy jq
GRPC=../benign-grpc-cancel-deadline

WORK=$(mktemp -d)
chmod 755 "$WORK"
cat >"$WORK/haproxy.cfg" <<CONF
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend grpc
  bind $MBOX_CLIENT_IP:50051 proto h2
  default_backend grpcs
backend grpcs
  server s1 $SERVER_IP:50051 proto h2
CONF

lab_topology grpchap
lab_bg "$SERVER_NS" node "$GRPC/server.cjs" 0.0.0.0:50051 0
SERVER_PID=$LAB_LAST_PID
lab_wait_port "$SERVER_NS" 127.0.0.1 50051
lab_bg "$MBOX_NS" haproxy -f "$WORK/haproxy.cfg" -db
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 50051
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 50051' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 50051' 300
{
  echo "== grpc-js client (2000 calls, 3 channels, 40 in flight, keepalive 10 s) -> HAProxy h2 $MBOX_CLIENT_IP:50051 -> grpc-js server"
  in_client node "$GRPC/client.cjs" "$MBOX_CLIENT_IP:50051" 2000 3 40 10000
} | tee observed.txt
sleep 1
lab_stop_captures
kill -TERM "$SERVER_PID" 2>/dev/null || true
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* | tee -a observed.txt
