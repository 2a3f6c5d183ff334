#!/usr/bin/env bash
# benign-grpc-cancel-deadline: @grpc/grpc-js client and server, thousands of unary and
# server-streaming calls over three channels (three TCP connections); about a quarter cancelled
# by the client mid-flight (call.cancel() -> RST_STREAM CANCEL), a fifth with short deadlines
# (100-400 ms, sent as grpc-timeout) that fire while the server is still answering; keepalive
# PINGs from both sides (client every 10 s, server every 20 s). Captures: client.pcap.gz on the
# client's link, server.pcap.gz on the server's (client — router — server). Needs root; about
# a minute. Then the same mix (2000 calls, 40 in flight) against a busy server — each response
# message costs it up to 4 ms of synchronous CPU, so its event loop lags tens of ms:
# busy-client.pcap.gz, busy-server.pcap.gz. Then 2000 calls, 40 in flight, through nginx
# grpc_pass on the middlebox: proxied-client.pcap.gz (client — nginx), proxied-server.pcap.gz
# (nginx — server). About three minutes in all.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
CALLS=${CALLS:-4000}
INFLIGHT=${INFLIGHT:-100}

lab_topology grpccd
lab_need jq

# run_phase PREFIX CALLS INFLIGHT BUSY_MS [TARGET]: one server, one client run (to TARGET:50051,
# the server by default), PREFIX{client,server}.pcap.
run_phase() {
  local prefix=$1 calls=$2 inflight=$3 busy=$4 target=${5:-$SERVER_IP} server_pid
  lab_bg "$SERVER_NS" node server.cjs 0.0.0.0:50051 "$busy"
  server_pid=$LAB_LAST_PID
  lab_wait_port "$SERVER_NS" 127.0.0.1 50051
  lab_capture "$CLIENT_NS" c0 "${prefix}client.pcap" 'tcp port 50051' 300
  lab_capture "$SERVER_NS" s0 "${prefix}server.pcap" 'tcp port 50051' 300
  {
    echo "== ${prefix:-normal }client ($calls calls, 3 channels, $inflight in flight, keepalive 10 s, server busy up to $busy ms per message -> $target:50051)"
    in_client node client.cjs "$target:50051" "$calls" 3 "$inflight" 10000
  } | tee -a observed.txt
  sleep 1
  lab_stop_captures
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  lab_gzip_big "${prefix}client.pcap" "${prefix}server.pcap"
}

rm -f observed.txt
run_phase "" "$CALLS" "$INFLIGHT" 0
run_phase busy- 2000 40 4

# Through a proxy: nginx grpc_pass on the middlebox (HTTP/2 both sides). Cancellations and
# deadlines cross it: nginx resets the upstream stream when the client resets its stream.
WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/tmp"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  upstream grpcs { server $SERVER_IP:50051; keepalive 8; }
  server {
    listen $MBOX_CLIENT_IP:50051 http2;
    location / { grpc_pass grpc://grpcs; }
  }
}
CONF
in_mbox nginx -c "$WORK/nginx.conf"
run_phase proxied- 2000 40 0 "$MBOX_CLIENT_IP"
in_mbox nginx -c "$WORK/nginx.conf" -s quit || true
sleep 0.5
rm -rf "$WORK"

echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* busy-client.pcap* busy-server.pcap* proxied-client.pcap* proxied-server.pcap* | tee -a observed.txt
