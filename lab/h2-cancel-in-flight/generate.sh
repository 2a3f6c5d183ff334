#!/usr/bin/env bash
# h2-cancel-in-flight (benign): a Node http2 client opens 60 streaming requests (12 at a time) on one
# connection and cancels 48 of them with RST_STREAM CANCEL 20-150 ms in, while the Node http2
# server streams 8 KiB DATA every 2 ms; the router forwards server-to-client traffic at 10 Mbit/s
# (tc tbf, up to 300 ms of queue; this kernel has no netem), so the server's frames already queued
# in the router or in its socket keep arriving for tens of milliseconds after each RST_STREAM.
# Captures: client.pcap.gz (client side of the router), server.pcap.gz (server side). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=tle
source ../_lib/netns.sh
lab_need tcpdump tc node

lab_topology h2cx
in_mbox tc qdisc add dev m0 root tbf rate 10mbit burst 32kbit latency 300ms
lab_bg "$SERVER_NS" node server.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
{
  echo "== node client.cjs http://$SERVER_IP:8080 60 12 (router: server-to-client 10 Mbit/s, tbf)"
  in_client timeout 40 node client.cjs "http://$SERVER_IP:8080" 60 12 2>&1 || echo "(client exit $?)"
} >>observed.txt
sleep 0.5
lab_stop_captures
gzip -9f client.pcap server.pcap
