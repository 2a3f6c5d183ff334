#!/usr/bin/env bash
# close-wait-young: a server that never closes after its clients' FIN; 20 clients close, 7 of them
# early and 13 in the last 4 s before the capture ends. `ss -tan state close-wait` on the server
# at the capture's end shows all 20; the capture ends with a UDP datagram (port 9) sent at that moment.
# Captures: server.pcap (on the server's interface). Needs root. Takes about 15 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlg}
source ../_lib/netns.sh
lab_topology cwy
lab_bg "$SERVER_NS" python3 server.py 7400
lab_wait_port "$SERVER_NS" 127.0.0.1 7400
rm -f observed.txt
# 7 clients close at 1.0-1.06 s, 13 between 6.0 and 9.6 s (every 0.3 s); the capture ends at ~10 s.
EARLY=$(seq -s, 1.00 0.01 1.06)
LATE=$(seq -s, 6.0 0.3 9.6)
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 7400 or udp port 9' 30
echo "== clients (close times, s from start)" >>observed.txt
T0=$(date +%s.%N)
in_client python3 client.py --host "$SERVER_IP" --at "$EARLY,$LATE" >>observed.txt
# Wait until 10 s after the start, then look at the server and mark that moment in the capture.
sleep "$(echo "10 - ($(date +%s.%N) - $T0)" | bc)"
{
  echo "== ss -tan state close-wait on the server, $(echo "$(date +%s.%N) - $T0" | bc | cut -c1-5) s after the start"
  in_server ss -tan state close-wait
  echo "count: $(in_server ss -Htan state close-wait | wc -l) (on $SERVER_IP, the captured interface: $(in_server ss -Htan state close-wait src "$SERVER_IP" | wc -l); the rest is lab_wait_port's loopback probe)"
} >>observed.txt
in_server bash -c "echo ss-snapshot >/dev/udp/$CLIENT_IP/9"
lab_stop_captures
tail -n 3 observed.txt >&2
