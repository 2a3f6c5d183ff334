#!/usr/bin/env bash
# Regenerates a/capture.pcap and b/capture.pcap. Run as root (tcpdump on lo).
cd "$(dirname "$0")"
source ../../_lib/common.sh
need_tools tcpdump
for run in a b; do
  start_capture "$run/capture.pcap" 'tcp port 7130' 30
  timeout 25 node scenario.cjs "$run"
  stop_capture
done
