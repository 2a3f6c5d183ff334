#!/usr/bin/env bash
# vantage-firewall-syn: a firewall between client and server refuses one connection with an RST of
# its own ("connection refused" the server never sent) and silently drops the SYNs of another
# (a connect timeout), both to the port where two other connections succeed:
#   FORWARD -p tcp --sport 40000 --syn -j REJECT --reject-with tcp-reset
#   FORWARD -p tcp --sport 40001 --syn -j DROP
# (curl --local-port picks the client ports). Captures on both sides; the rules' counters in
# observed.txt. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need iptables curl

lab_topology fw
in_mbox iptables -A FORWARD -p tcp --sport 40000 --syn -j REJECT --reject-with tcp-reset
in_mbox iptables -A FORWARD -p tcp --sport 40001 --syn -j DROP
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
URL="http://$SERVER_IP:8080"
req() { in_client curl -s -o /dev/null --connect-timeout 2.5 "${@:2}" -w "$1 %{http_code} total %{time_total}s\n" "$URL$1" || echo "$1 curl exit $?"; }
{
  echo "== curl"
  req /ok/1
  req /refused --local-port 40000
  req /dropped --local-port 40001
  req /ok/2
} | tee -a observed.txt
sleep 0.5
lab_stop_captures
{ echo "== iptables FORWARD -x (REJECT: SYNs answered by the firewall's RST; DROP: SYNs dropped)"; in_mbox iptables -vnxL FORWARD; } >>observed.txt
