#!/usr/bin/env bash
# nginx-proxy-pass-grpc: the same gRPC client and server as nginx-grpc-pass, but nginx uses
# `proxy_pass` (HTTP/1.1 to an HTTP/2-only server): every call fails.
# Captures: client.pcap (client <-> nginx), server.pcap (nginx <-> gRPC server). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need nginx
[ -d ../../node_modules/@grpc/grpc-js ] || { echo "npm install first (@grpc/grpc-js is a dev dependency)" >&2; exit 1; }

lab_topology "${LAB_TOPO:-ngxpp}"
lab_bg "$SERVER_NS" node ../_lib/grpc_echo.cjs server 0.0.0.0:50051
lab_wait_port "$SERVER_NS" 127.0.0.1 50051
lab_nginx "$MBOX_NS" nginx.conf
sleep 0.5
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 50051' 60
{ echo "== grpc-js client -> nginx $MBOX_CLIENT_IP:8080"; in_client node ../_lib/grpc_echo.cjs client "$MBOX_CLIENT_IP:8080" 5 5; } |
  tee -a observed.txt
lab_stop_captures
{ echo "== nginx error log"; cat "$LAB_NGINX_PREFIX/error.log" 2>/dev/null; } >>observed.txt
{ echo "== nginx access log"; cat "$LAB_NGINX_PREFIX/access.log"; } >>observed.txt
lab_gzip_big client.pcap server.pcap
