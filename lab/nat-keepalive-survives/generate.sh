#!/usr/bin/env bash
# nat-keepalive-survives (benign): the conntrack NAT of nat-idle-reset (30 s idle timeout, RST for
# forgotten flows), but the client turns on TCP keep-alives (SO_KEEPALIVE, TCP_KEEPIDLE 5 s,
# TCP_KEEPINTVL 5 s): its connections stay silent 40 s and 50 s at the application level and
# survive. Captures: client.pcap, server.pcap. Needs root. Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
TIMEOUT=${TIMEOUT:-30}
SILENCES=${SILENCES:-40,50}

lab_topology natka
lab_conntrack_nat "$TIMEOUT" reject
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt observed.txt.client
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 150
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 150
(sleep 35 && lab_conntrack_dump "35 s in: the entries are refreshed by the keep-alives" observed.txt &&
  { echo "== ss -tno in the client 35 s in (keepalive timers)"; in_client ss -tno state established; } >>observed.txt) &
DUMPER=$!
echo "== client ($CLIENT_IP -> $SERVER_IP:8080, silences $SILENCES s, keep-alive 5/5/3, conntrack timeout $TIMEOUT s)" >>observed.txt.client
in_client python3 ../_lib/idle_client.py --host "$SERVER_IP" --port 8080 --silences "$SILENCES" --keepalive 5,5,3 |
  tee -a observed.txt.client
wait $DUMPER
lab_stop_captures
cat observed.txt.client >>observed.txt && rm -f observed.txt.client
{ echo "== iptables counters"; in_mbox iptables -vnL FORWARD; } >>observed.txt
lab_gzip_big client.pcap server.pcap
