#!/usr/bin/env bash
# benign-h2c-upgrade: HTTP/1.1 connections that switch to HTTP/2 in place (RFC 7540 §3.2
# "Upgrade: h2c", obsoleted by RFC 9113 but still implemented): `nghttp -u` sends GET with
# Upgrade: h2c and HTTP2-Settings, a python-h2 server (server.py) answers 101 Switching
# Protocols and then the HTTP/2 response on stream 1 (the upgraded request, half-closed from
# the client), and the client fetches the page's assets as new streams on the same
# connection. 150 connections. Capture:
# client.pcap.gz on the client's link (client — router — server). Needs root; about 15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nghttp jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs/static"
{
  echo '<!doctype html><html><head><title>upgrade</title>'
  for i in 1 2 3; do echo "<link rel=stylesheet href=/static/s$i.css>"; done
  echo '<script src=/static/app.js></script></head><body>h2c</body></html>'
} >"$WORK/htdocs/index.html"
for i in 1 2 3; do (set +o pipefail; yes "/* style $i */ body { margin: 0 }" | head -c $((i * 3000))) >"$WORK/htdocs/static/s$i.css"; done
(set +o pipefail; yes "console.log('app');" | head -c 20000) >"$WORK/htdocs/static/app.js"

lab_topology h2cup
lab_bg "$SERVER_NS" "$PY" server.py 8080 "$WORK/htdocs"
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 120
{
  echo "== 150 x nghttp -u -a http://$SERVER_IP:8080/index.html (Upgrade: h2c)"
  for i in $(seq 1 150); do
    in_client nghttp -u -a -s "http://$SERVER_IP:8080/index.html" | grep -E '^ +[0-9]+ +\+' | awk '{print $5}' || true
  done | sort | uniq -c | sed 's/^/responses by status: /'
} | tee observed.txt
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
