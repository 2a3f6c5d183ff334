#!/usr/bin/env bash
# benign-h2-window-shrink: Node http2 clients that lower SETTINGS_INITIAL_WINDOW_SIZE from
# 1 MiB to 16 KiB while a Node http2 server is streaming bodies of 0.2-1.5 MB to them, then
# raise it to 256 KiB — the change applies to every open stream (RFC 9113 §6.9.2), windows go
# negative, the server waits for WINDOW_UPDATEs. Legal flow control end to end.
# Capture: client.pcap.gz on the client's link (client — router — server). Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need jq

lab_topology h2win
lab_bg "$SERVER_NS" node server.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 120
{
  echo "== 4 sessions x 12 downloads (0.2/0.5/1.5 MB), 4 at a time; window 1 MiB -> 16 KiB -> 256 KiB"
  in_client node client.cjs "http://$SERVER_IP:8080" 4 12
} | tee observed.txt
sleep 1
lab_stop_captures
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
