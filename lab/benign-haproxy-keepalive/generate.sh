#!/usr/bin/env bash
# benign-haproxy-keepalive: HAProxy (on the middlebox, HTTP mode) in front of a Node origin.
#  - 8 requests.Session clients: bursts of 3-30 requests separated by pauses of 0.5-6 s;
#    `timeout http-keep-alive 3s` makes HAProxy close client connections idle longer than
#    that, and the clients reconnect for their next burst (urllib3 sees the closed socket).
#  - h2load over h2c (`bind … proto h2`): 4000 requests on 8 connections, 8 streams each.
# HAProxy keeps its own server-side connections alive (http-reuse safe). Captures:
# client.pcap.gz (clients — HAProxy), server.pcap.gz (HAProxy — origin). Needs root; ~45 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need haproxy h2load jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
cat >"$WORK/haproxy.cfg" <<CONF
global
  maxconn 1000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 3s
  timeout http-request 10s
  option http-keep-alive
frontend h1
  bind $MBOX_CLIENT_IP:80
  default_backend origin
frontend h2c
  bind $MBOX_CLIENT_IP:8081 proto h2
  default_backend origin
backend origin
  http-reuse safe
  server o1 $SERVER_IP:8080 maxconn 50
CONF

lab_topology hapka
lab_bg "$SERVER_NS" node ../_lib/http1_backend.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_bg "$MBOX_NS" haproxy -f "$WORK/haproxy.cfg" -db
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 80
lab_wait_port "$MBOX_NS" "$MBOX_CLIENT_IP" 8081

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 80 or tcp port 8081' 300
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 300
{
  echo "== 8 requests.Session clients x 12 bursts -> HAProxy $MBOX_CLIENT_IP:80 (timeout http-keep-alive 3s)"
  in_client "$PY" client.py "http://$MBOX_CLIENT_IP" 8 12 &
  sleep 5
  echo "== h2load -n 4000 -c 8 -m 8 -> HAProxy h2c $MBOX_CLIENT_IP:8081"
  in_client h2load -n 4000 -c 8 -m 8 "http://$MBOX_CLIENT_IP:8081/api/items?n=5" "http://$MBOX_CLIENT_IP:8081/blob?size=3000" | grep -E 'requests:|status codes'
  wait
} | tee observed.txt
sleep 4
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap server.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* server.pcap* | tee -a observed.txt
