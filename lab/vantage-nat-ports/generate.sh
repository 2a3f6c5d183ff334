#!/usr/bin/env bash
# vantage-nat-ports: a source NAT that rewrites client ports (iptables SNAT --to-source
# 10.77.2.1:20000-20999 --random) between a client and a keep-alive HTTP server; captures on both
# sides, the server's clock moved by +3.25 s (editcap -t 3.25) so that the correlation must find
# the offset instead of assuming the clocks agree. Nothing fails. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need iptables curl editcap

lab_topology natp
in_mbox iptables -t nat -A POSTROUTING -o m1 -p tcp -j SNAT --to-source "$MBOX_SERVER_IP:20000-20999" --random
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server-sameclock.pcap 'tcp port 8080' 30
URL="http://$SERVER_IP:8080"
{
  echo "== curl: 5 connections, two requests each (keep-alive), one download of 200 kB"
  for i in 1 2 3 4 5; do
    in_client curl -s -o /dev/null -o /dev/null -w "%{url_effective} %{http_code} local port %{local_port}\n" "$URL/a/$i" "$URL/b/$i"
    sleep 0.2
  done
  in_client curl -s -o /dev/null -w "%{url_effective} %{http_code} local port %{local_port}\n" "$URL/big?bytes=200000"
} | tee -a observed.txt
sleep 0.5
{ echo "== conntrack (the NAT's mapping)"; in_mbox conntrack -L -p tcp 2>/dev/null || true; } >>observed.txt
lab_stop_captures
{ echo "== iptables -t nat"; in_mbox iptables -t nat -vnL POSTROUTING; } >>observed.txt
# The server's clock is 3.25 s ahead of the client's.
editcap -t 3.25 server-sameclock.pcap server.pcap
rm -f server-sameclock.pcap
