#!/usr/bin/env bash
# benign-abortive-close: connections ended by an RST after a complete exchange — the way health
# checkers, connection pools and some servers close (SO_LINGER 0: no FIN, no TIME_WAIT).
#  - 300 health-check GETs, each on its own connection, closed by the client with an RST once
#    the full response is read;
#  - 100 GETs /rst whose server answers with Connection: close and then resets the connection
#    (Node socket.resetAndDestroy()).
# Capture: client.pcap on the client's link (client — router — server). Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need jq

lab_topology abort
lab_bg "$SERVER_NS" node server.cjs 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 120
{
  echo "== 300 health checks closed by the client with RST, 100 GET /rst reset by the server"
  in_client "$PY" client.py "$SERVER_IP" 8080 300
} | tee observed.txt
sleep 1
lab_stop_captures
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
