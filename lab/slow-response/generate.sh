#!/usr/bin/env bash
# slow-response: nginx reverse proxy in front of a Python application server; 40 requests to
# /api/items/<id> take ~20 ms, 3 others to the same endpoint take 5 s.
# Captures: client.pcap (client <-> nginx), server.pcap (nginx <-> application). Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need nginx

lab_topology slow
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_nginx "$MBOX_NS" nginx.conf
sleep 0.5
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
{ echo "== client (requests)"; in_client python3 client.py "http://$MBOX_CLIENT_IP:8080"; } | tee -a observed.txt
lab_stop_captures
{ echo "== nginx access log (request_time, upstream_response_time)"; cat "$LAB_NGINX_PREFIX/access.log"; } >>observed.txt
lab_gzip_big client.pcap server.pcap
