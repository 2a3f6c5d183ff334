#!/usr/bin/env bash
# nginx-proxy-read-timeout: curl -> nginx (proxy_read_timeout 3s) -> a backend that takes 5 s on
# some requests. In front of nginx the clients get 504 Gateway Timeout 3 s after those requests;
# behind it nginx closes each upstream connection 3 s after sending the request, before any
# response byte (the backend's late answer is then reset).
# Captures: client.pcap (curl <-> nginx), server.pcap (nginx <-> backend), server-tls.pcap (nginx <->
# the same backend over TLS, for /tls/). Needs root. ~30 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlg}
source ../_lib/netns.sh
lab_need nginx curl

lab_topology ngxrt
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
# The same backend over TLS for `/tls/` (a self-signed certificate; nginx does not verify it).
CERTS=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=backend -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem" 2>/dev/null
lab_bg "$SERVER_NS" python3 tls_backend.py 8443 "$CERTS/cert.pem" "$CERTS/key.pem"
lab_wait_port "$SERVER_NS" 127.0.0.1 8443
lab_nginx "$MBOX_NS" nginx.conf
lab_wait_port "$CLIENT_NS" "$MBOX_CLIENT_IP" 8080
rm -f observed.txt

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server-tls.pcap 'tcp port 8443' 60
URL="http://$MBOX_CLIENT_IP:8080"
req() { in_client curl -s -o /dev/null -w "$1 %{http_code} total %{time_total}s\n" "$URL$1"; }
{
  echo "== curl (one connection per request)"
  # Fast requests (a few ms, two of them 800 ms and 300 ms) around four that take the backend 5 s.
  for i in 1 2; do req "/fast/$i"; done
  req "/fast/3?ms=800"
  for i in 1 2 3 4; do
    req "/slow/$i?ms=5000" &
    sleep 0.7
  done
  req "/fast/4?ms=300"
  for i in 5 6; do req "/fast/$i"; done
  wait
  echo "== the same through the TLS upstream (/tls/)"
  req "/tls/fast/1"
  req "/tls/fast/2?ms=600"
  for i in 1 2 3; do
    req "/tls/slow/$i?ms=5000" &
    sleep 0.7
  done
  wait
} | tee -a observed.txt
# The backend answers the abandoned requests at 5 s: let those answers meet the closed sockets.
sleep 3
lab_stop_captures
{
  echo "== nginx error log"
  cat "$LAB_NGINX_PREFIX/error.log" | grep -E "timed out|upstream" || true
  echo "== nginx access log"
  cat "$LAB_NGINX_PREFIX/access.log"
} >>observed.txt
rm -rf "$LAB_NGINX_PREFIX" "$CERTS"
lab_gzip_big client.pcap server.pcap server-tls.pcap
