#!/usr/bin/env bash
# benign-port-reuse: 1000 short HTTP/1.0 exchanges from a client whose ephemeral port range is
# only 8 ports wide (Linux picks even ports for connect(): 4 in use), so the same 4-tuple
# (client ip:port, server ip:port) is used again and again — a new SYN about a millisecond
# after the previous connection on that 4-tuple closed. The server closes each connection
# first (HTTP/1.0), so the TIME_WAIT is on its side and Linux accepts the new SYN on the old
# 4-tuple (RFC 6191, timestamps). High-rate clients behind a small port range or a NAT do this
# all the time. Capture: client.pcap.gz on the client's link (client — router — server).
# Needs root; about 15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need tshark jq

lab_topology preuse
in_client sysctl -qw net.ipv4.ip_local_port_range="40000 40007"
lab_bg "$SERVER_NS" "$PY" ../_lib/http10_server.py 8000
lab_wait_port "$SERVER_NS" 127.0.0.1 8000
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8000' 120
{
  echo "== 1000 GETs, one connection each, client ports 40000-40007 -> HTTP/1.0 origin $SERVER_IP:8000"
  in_client "$PY" - "$SERVER_IP" <<'PY'
import sys, requests
codes = {}
for i in range(1000):
    kind = "open"  # body delimited by the close: the server closes first
    r = requests.get(f"http://{sys.argv[1]}:8000/{kind}?n={(i * 37) % 3000}", timeout=5)
    codes[r.status_code] = codes.get(r.status_code, 0) + 1
print(codes)
PY
} | tee observed.txt
sleep 1
lab_stop_captures
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
tshark -r client.pcap* -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.srcport 2>/dev/null | sort | uniq -c |
  awk '{n++; s+=$1} END {print "distinct client ports: " n ", SYNs: " s}' | tee -a observed.txt
