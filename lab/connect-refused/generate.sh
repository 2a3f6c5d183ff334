#!/usr/bin/env bash
# connect-refused: connects refused two ways — a port nothing listens on at the server (the
# server's kernel answers the SYN with RST/ACK), and a port a firewall on the middlebox rejects
# (iptables REJECT --reject-with tcp-reset: the RST comes from the middlebox), over IPv4 and IPv6.
# One request to the open port succeeds. Captures: client.pcap, server.pcap. Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need curl

lab_topology refused
in_mbox iptables -A FORWARD -p tcp --dport 9443 -j REJECT --reject-with tcp-reset
in_mbox ip6tables -A FORWARD -p tcp --dport 9443 -j REJECT --reject-with tcp-reset
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp' 60
req() { in_client curl -sS -o /dev/null -w "$1 -> %{http_code} in %{time_total}s\n" "$1" 2>&1 || true; }
{
  echo "== curl"
  req "http://$SERVER_IP:8080/ok"
  req "http://$SERVER_IP:8081/closed-port"
  sleep 0.5
  req "http://$SERVER_IP:8081/closed-port"
  sleep 0.5
  req "http://$SERVER_IP:9443/firewalled"
  sleep 0.5
  req "http://$SERVER_IP:9443/firewalled"
  sleep 0.5
  req "http://[$SERVER_IP6]:8081/closed-port-v6"
  sleep 0.5
  req "http://[$SERVER_IP6]:9443/firewalled-v6"
} | tee -a observed.txt
lab_stop_captures
{ echo "== iptables -vnL FORWARD"; in_mbox iptables -vnL FORWARD; in_mbox ip6tables -vnL FORWARD; } >>observed.txt
