#!/usr/bin/env bash
# benign-capture-any: a capture taken the way people take it on a router or proxy host —
# `tcpdump -i any` (Linux cooked capture, SLL2) — so every forwarded packet appears twice, once
# arriving on m0 and once leaving on m1 (or the reverse), microseconds apart, identical but for
# the interface. HTTP/1.1 (curl, keep-alive) and HTTP/2 (nghttp, h2c) through the router to
# nginx. Captures: router-any.pcap.gz on the router (client — router — server), and
# snaplen.pcap, the same traffic on the client's link with only the first 128 bytes of each
# packet (tcpdump -s 128). Needs root; about 10 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx curl nghttp jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
for k in 1 8 20 40; do (set +o pipefail; yes "line $k 0123456789 abcdefghijklmnop" | head -c $((k * 1000))) >"$WORK/htdocs/f$k.txt"; done
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server { listen $SERVER_IP:80; listen $SERVER_IP:8081 http2; root $WORK/htdocs; }
}
CONF

lab_topology capany
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80
lab_capture "$MBOX_NS" any router-any.pcap 'tcp port 80 or tcp port 8081' 120
# The other everyday shortcut: headers only (`tcpdump -s 128`), on the client's link. Not
# through lab_capture (which keeps whole packets); stopped below with the others' INT.
rm -f snaplen.pcap
ip netns exec "$CLIENT_NS" timeout -s INT 120 tcpdump -i c0 -s 128 -B 65536 --immediate-mode -U -Z root -w snaplen.pcap 'tcp port 80 or tcp port 8081' 2>/dev/null &
SNAP_PID=$!
sleep 1
{
  echo "== curl: 3 connections x 20 GETs (1-40 KB); 3 nghttp connections x 20 streams (h2c) — captured with tcpdump -i any on the router"
  for c in 1 2 3; do
    args=()
    for i in $(seq 1 20); do args+=(-o /dev/null -w '%{http_code}\n' "http://$SERVER_IP/f$(echo 1 8 20 40 | cut -d' ' -f$(((i % 4) + 1))).txt?c=$c&i=$i"); done
    in_client curl -sS "${args[@]}"
  done | sort | uniq -c
  for c in 1 2 3; do
    urls=()
    for i in $(seq 1 20); do urls+=("http://$SERVER_IP:8081/f$(echo 1 8 20 40 | cut -d' ' -f$(((i % 4) + 1))).txt?h2=$c&i=$i"); done
    in_client nghttp -ns "${urls[@]}" | grep -E '^ +[0-9]+ +\+' | awk '{print "h2 " $5}'
  done | sort | uniq -c
} | tee observed.txt
sleep 1
lab_stop_captures
kill -INT "$SNAP_PID" 2>/dev/null || true
wait "$SNAP_PID" 2>/dev/null || true
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big router-any.pcap snaplen.pcap
{ echo "== capture"; capinfos -t -E router-any.pcap* 2>/dev/null | grep -E 'type|encapsulation'; } | tee -a observed.txt
echo "== tracelens" >>observed.txt
benign_summary router-any.pcap* snaplen.pcap* | tee -a observed.txt
