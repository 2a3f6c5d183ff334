#!/usr/bin/env bash
# vantage-rst-inject: a filtering middlebox resets connections by content, both ways (iptables
# FORWARD -m string ... -j REJECT --reject-with tcp-reset):
#  - a request for /forbidden (client → server): the box drops it and sends the client an RST
#    that claims to come from the server;
#  - a response containing /secret (server → client): the box drops it and sends the server an RST
#    that claims to come from the client.
# Plus two requests that pass. Captures on both sides: each RST is seen on one side only, with
# TTL 64 (made by the adjacent box) where the genuine peer's packets arrive with TTL 63. Needs
# root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need iptables curl

lab_topology rst
in_mbox iptables -A FORWARD -p tcp --dport 8080 -m string --string "GET /forbidden" --algo bm -j REJECT --reject-with tcp-reset
in_mbox iptables -A FORWARD -p tcp --sport 8080 -m string --string "/secret" --algo bm -j REJECT --reject-with tcp-reset
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
URL="http://$SERVER_IP:8080"
req() { in_client curl -s -o /dev/null --max-time 2 -w "$1 %{http_code} total %{time_total}s\n" "$URL$1" || echo "$1 curl exit $?"; }
{
  echo "== curl (one connection per request)"
  req /ok/1
  req /forbidden
  req /secret
  req /ok/2
} | tee -a observed.txt
sleep 0.5
lab_stop_captures
{ echo "== iptables FORWARD (packets rejected with an RST of the box's own)"; in_mbox iptables -vnxL FORWARD; } >>observed.txt
