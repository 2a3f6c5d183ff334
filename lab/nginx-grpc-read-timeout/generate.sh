#!/usr/bin/env bash
# nginx-grpc-read-timeout: a grpc-js client -> nginx grpc_pass (grpc_read_timeout 3s) -> a grpc-js
# server that takes 5 s on some calls. In front of nginx the slow calls end with HTTP :status 504
# 3 s after they were sent (grpc-js reports UNAVAILABLE); behind it nginx gives up on each slow
# upstream stream 3 s after sending the request.
# Captures: client.pcap (client <-> nginx), server.pcap (nginx <-> server). Needs root. ~20 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlg}
source ../_lib/netns.sh
lab_need nginx

lab_topology ngxgrpc
lab_bg "$SERVER_NS" node ../benign-grpc-cancel-deadline/server.cjs 0.0.0.0:50051
lab_wait_port "$SERVER_NS" 127.0.0.1 50051
lab_nginx "$MBOX_NS" nginx.conf
lab_wait_port "$CLIENT_NS" "$MBOX_CLIENT_IP" 50051
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 50051' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 50051' 60
echo "== client (calls 0.6 s apart; delay_ms is the server's time to answer)" >>observed.txt
in_client node client.cjs "$MBOX_CLIENT_IP:50051" | tee -a observed.txt
sleep 3
lab_stop_captures
{
  echo "== nginx error log"
  grep -E "timed out|upstream" "$LAB_NGINX_PREFIX/error.log" || true
  echo "== nginx access log"
  cat "$LAB_NGINX_PREFIX/access.log"
} >>observed.txt
rm -rf "$LAB_NGINX_PREFIX"
lab_gzip_big client.pcap server.pcap
