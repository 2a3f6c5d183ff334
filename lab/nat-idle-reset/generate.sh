#!/usr/bin/env bash
# nat-idle-reset: a Linux conntrack NAT forgets idle flows after 30 s and answers their next
# packet with an RST. Captures: client.pcap (client side of the NAT), server.pcap (server side);
# the same over IPv6 at the same time (ip6tables NAT, the same conntrack): client6.pcap, server6.pcap.
# Needs root. Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
TIMEOUT=${TIMEOUT:-30}
SILENCES=${SILENCES:-10,20,40,50}

lab_topology natrst
lab_conntrack_nat "$TIMEOUT" reject
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'ip and tcp port 8080' 150
lab_capture "$SERVER_NS" s0 server.pcap 'ip and tcp port 8080' 150
lab_capture "$CLIENT_NS" c0 client6.pcap 'ip6 and tcp port 8080' 150
lab_capture "$SERVER_NS" s0 server6.pcap 'ip6 and tcp port 8080' 150
(sleep 5 && lab_conntrack_dump "5 s in: every connection tracked" observed.txt &&
  sleep 30 && lab_conntrack_dump "35 s in: the 40 s and 50 s connections' entries have expired" observed.txt) &
DUMPER=$!
in_client python3 ../_lib/idle_client.py --host "$SERVER_IP6" --port 8080 --silences "$SILENCES" >observed.txt.client6 &
CLIENT6=$!
echo "== client ($CLIENT_IP -> $SERVER_IP:8080, silences $SILENCES s, conntrack timeout $TIMEOUT s)" >>observed.txt.client
in_client python3 ../_lib/idle_client.py --host "$SERVER_IP" --port 8080 --silences "$SILENCES" | tee -a observed.txt.client
wait $CLIENT6
{ echo "== IPv6 client ($CLIENT_IP6 -> [$SERVER_IP6]:8080, same silences)"; cat observed.txt.client6; } >>observed.txt.client
rm -f observed.txt.client6
wait $DUMPER
lab_stop_captures
cat observed.txt.client >>observed.txt && rm -f observed.txt.client
{ echo "== iptables counters"; in_mbox iptables -vnL FORWARD; in_mbox iptables -t nat -vnL POSTROUTING
  echo "== ip6tables counters"; in_mbox ip6tables -vnL FORWARD; in_mbox ip6tables -t nat -vnL POSTROUTING; } >>observed.txt
lab_gzip_big client.pcap server.pcap client6.pcap server6.pcap
