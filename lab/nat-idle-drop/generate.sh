#!/usr/bin/env bash
# nat-idle-drop: a Linux conntrack NAT forgets idle flows after 30 s and silently drops their
# next packets; the client retransmits until tcp_retries2 (5) gives up.
# Captures: client.pcap (client side of the NAT), server.pcap (server side).
# Needs root. Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
TIMEOUT=${TIMEOUT:-30}
SILENCES=${SILENCES:-10,20,40,50}

lab_topology natdrop
lab_conntrack_nat "$TIMEOUT" drop
# Kernel default 15 (~15 min of retransmissions); 5 gives up after ~12.6 s at the 200 ms minimum RTO.
in_client sysctl -qw net.ipv4.tcp_retries2=${RETRIES2:-5}
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 180
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 180
(sleep 5 && lab_conntrack_dump "5 s in: every connection tracked" observed.txt &&
  sleep 30 && lab_conntrack_dump "35 s in: the 40 s and 50 s connections' entries have expired" observed.txt) &
DUMPER=$!
echo "== client ($CLIENT_IP -> $SERVER_IP:8080, silences $SILENCES s, conntrack timeout $TIMEOUT s)" >>observed.txt.client
in_client python3 ../_lib/idle_client.py --host "$SERVER_IP" --port 8080 --silences "$SILENCES" | tee -a observed.txt.client
wait $DUMPER
lab_stop_captures
cat observed.txt.client >>observed.txt && rm -f observed.txt.client
{ echo "== iptables counters"; in_mbox iptables -vnL FORWARD; in_mbox iptables -t nat -vnL POSTROUTING; } >>observed.txt
lab_gzip_big client.pcap server.pcap
