#!/usr/bin/env bash
# Regenerates capture.pcap for this scenario. Run as root (tcpdump on lo).
cd "$(dirname "$0")"
source ../_lib/common.sh
need_tools tcpdump
start_capture capture.pcap 'tcp port 7200 or tcp port 7201' 40
timeout 30 node scenario.cjs
stop_capture
