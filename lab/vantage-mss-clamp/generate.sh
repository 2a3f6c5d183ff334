#!/usr/bin/env bash
# vantage-mss-clamp: the middlebox clamps the MSS of every SYN it forwards to 1200 (iptables -t
# mangle FORWARD TCPMSS --set-mss 1200), as VPN and PPPoE gateways do; the client downloads 300 kB
# twice. Captures on both sides. The MSS seen by the peers differs from what they sent; segments
# of the transfer are at most 1200 bytes. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need iptables curl

lab_topology mss
in_mbox iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1200
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
{
  echo "== curl: two downloads of 300 kB"
  for i in 1 2; do
    in_client curl -s -o /dev/null -w "%{url_effective} %{http_code} %{size_download} bytes\n" "http://$SERVER_IP:8080/big?bytes=300000"
  done
} | tee -a observed.txt
lab_stop_captures
{ echo "== iptables -t mangle (SYNs clamped)"; in_mbox iptables -t mangle -vnL FORWARD; } >>observed.txt
lab_gzip_big client.pcap server.pcap
