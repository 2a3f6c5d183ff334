#!/usr/bin/env bash
# nginx-keepalive-timeout (benign): nginx closes idle keep-alive connections after 5 s
# (keepalive_timeout 5s) with a FIN; a Python requests.Session pauses 2, 7 and 9 s between bursts
# of three requests and transparently reconnects. Captures: client.pcap, server.pcap. Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
PAUSES=${PAUSES:-2,7,9}

lab_topology ngxka
lab_nginx "$SERVER_NS" nginx.conf
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
{ echo "== requests.Session (pauses $PAUSES s)"; in_client python3 session_client.py "http://$SERVER_IP:8080" "$PAUSES"; } |
  tee -a observed.txt
lab_stop_captures
{ echo "== nginx access log"; cat "$LAB_NGINX_PREFIX/access.log"; } >>observed.txt
lab_gzip_big client.pcap server.pcap
