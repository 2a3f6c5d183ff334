#!/usr/bin/env bash
# connect-timeout: a firewall on the middlebox drops SYNs to port 9090 (iptables and ip6tables
# DROP), so connects there time out: curl --connect-timeout 5 and Python sockets with 3 s (IPv4)
# and 2 s (IPv6) timeouts retransmit their SYN every second (Linux 6.x retransmits the first SYNs
# linearly) and give up. A request to the open port 8080 succeeds.
# Captures: client.pcap, server.pcap (which sees only the successful connection). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need curl

lab_topology ctimeout
in_mbox iptables -A FORWARD -p tcp --dport 9090 --syn -j DROP
in_mbox ip6tables -A FORWARD -p tcp --dport 9090 --syn -j DROP
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 9090
lab_wait_port "$SERVER_NS" 127.0.0.1 9090
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp' 60
{
  echo "== curl / python"
  in_client curl -sS -o /dev/null -w "http://$SERVER_IP:8080/ok -> %{http_code} in %{time_total}s\n" "http://$SERVER_IP:8080/ok" 2>&1 || true
  in_client curl -sS --connect-timeout 5 -o /dev/null -w "http://$SERVER_IP:9090/blocked -> %{http_code} in %{time_total}s\n" "http://$SERVER_IP:9090/blocked" 2>&1 || true
  in_client python3 -c "
import socket, time
t = time.monotonic()
try:
    socket.create_connection(('$SERVER_IP', 9090), timeout=3)
except OSError as e:
    print('python create_connection(timeout=3) ->', repr(e), 'after %.3f s' % (time.monotonic() - t))
t = time.monotonic()
try:
    socket.create_connection(('$SERVER_IP6', 9090), timeout=2)
except OSError as e:
    print('python create_connection(($SERVER_IP6, 9090), timeout=2) ->', repr(e), 'after %.3f s' % (time.monotonic() - t))
"
} | tee -a observed.txt
lab_stop_captures
{ echo "== iptables -vnL FORWARD"; in_mbox iptables -vnL FORWARD; in_mbox ip6tables -vnL FORWARD; } >>observed.txt
