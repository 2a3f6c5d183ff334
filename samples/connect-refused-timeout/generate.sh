#!/usr/bin/env bash
# Regenerates capture.pcap for this scenario. Run as root: tcpdump on lo and a temporary iptables
# rule (removed on exit) that drops SYNs to 127.0.0.1:7902 so that connect attempt times out.
cd "$(dirname "$0")"
source ../_lib/common.sh
need_tools tcpdump iptables
RULE=(INPUT -i lo -d 127.0.0.1 -p tcp --dport 7902 --syn -j DROP)
iptables -I "${RULE[@]}"
trap 'iptables -D "${RULE[@]}" 2>/dev/null || true' EXIT
start_capture capture.pcap 'tcp port 7901 or tcp port 7902' 30
timeout 20 node scenario.cjs
stop_capture
