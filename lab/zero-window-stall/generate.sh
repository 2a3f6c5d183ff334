#!/usr/bin/env bash
# zero-window-stall: nginx sends a 1 MB file to a Python client with an 8 KiB receive buffer that
# stops reading for 1.5 s four times: the client's kernel advertises a zero window and nginx's
# kernel probes it until the reader resumes. Captures: client.pcap(.gz), server.pcap(.gz). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need nginx

lab_topology zwin
WWW=$(mktemp -d)
yes 'tracelens lab zero-window-stall payload line, 64 bytes long .......' | head -c 1000000 >"$WWW/big.bin" || true
lab_nginx "$SERVER_NS" nginx.conf "$WWW"
rm -rf "$WWW"
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
(sleep 1 && { echo "== ss -tmi in the server 1 s in (nginx's socket, send queue full, persist timer)";
  in_server ss -tnoi state established '( sport = :8080 )'; echo "== ss -tm in the client (receive queue full)";
  in_client ss -tnm state established; } >>observed.txt.ss) &
SS=$!
{ echo "== slow reader"; in_client python3 slow_reader.py --host "$SERVER_IP"; } | tee -a observed.txt
wait $SS
cat observed.txt.ss >>observed.txt && rm -f observed.txt.ss
lab_stop_captures
{ echo "== nginx access log"; cat "$LAB_NGINX_PREFIX/access.log"; } >>observed.txt
lab_gzip_big client.pcap server.pcap
