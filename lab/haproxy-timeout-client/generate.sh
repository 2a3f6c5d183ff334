#!/usr/bin/env bash
# haproxy-timeout-client: HAProxy (http mode, `timeout client 5s`) closes client connections that
# are idle 5 s — pooled keep-alive connections between requests, and upgraded (WebSocket-style)
# tunnels that went quiet — well below tracelens's 30 s idle threshold.
# Captures: client.pcap (clients <-> HAProxy), server.pcap (HAProxy <-> backend). Needs root. ~25 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlg}
source ../_lib/netns.sh
lab_need haproxy

lab_topology hapcli
lab_bg "$SERVER_NS" python3 backend.py
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
rm -f observed.txt
HAPROXY_LOG=$(mktemp)
lab_bg "$MBOX_NS" bash -c "exec haproxy -db -f haproxy.cfg >$HAPROXY_LOG 2>&1"
lab_wait_port "$CLIENT_NS" "$MBOX_CLIENT_IP" 8080

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
echo "== clients" >>observed.txt
in_client python3 clients.py --host "$MBOX_CLIENT_IP" | tee -a observed.txt
sleep 1
lab_stop_captures
{ echo "== HAProxy log (cD = client-side timeout in the data phase, CD = client aborted)"; cat "$HAPROXY_LOG"; } >>observed.txt
rm -f "$HAPROXY_LOG"
lab_gzip_big client.pcap server.pcap
