#!/usr/bin/env bash
# benign-loss-recovers: the router between client and server drops 1 % of the TCP packets it
# forwards, at random, each way (iptables -m statistic --mode random --probability 0.01 -j DROP:
# this VM's kernel has no sch_netem, so `tc netem loss 1% delay 20ms` is not available, nor is
# any other delay). HTTP/1.1 (curl) and HTTP/2 (nghttp, h2c) downloads and uploads of a few
# MB from/to nginx all complete: TCP recovers every loss by fast retransmission (SACK) or,
# rarely, a timeout. Two runs: "fast" on the bare sub-millisecond path, "shaped" with a
# 100 Mbit/s token bucket (tc tbf) on both router interfaces whose queue (up to 400 ms) gives
# the round trip the tens of milliseconds a real bottleneck has. Captures:
# {fast,shaped}-client.pcap.gz (client's link), {fast,shaped}-server.pcap.gz (server's link).
# Needs root; about 20 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx nghttp curl jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
# Text bodies (they compress well in the committed captures; TCP does not care).
(set +o pipefail; yes "GET /api/v1/orders?page=17 200 OK 0.012s user=4711 region=eu-west-1 ok" | head -c 3000000) >"$WORK/htdocs/report.txt"
(set +o pipefail; yes "{\"sku\":\"A-1001\",\"qty\":3,\"price\":19.99}," | head -c 1500000) >"$WORK/htdocs/catalog.json"
for i in $(seq 1 20); do head -c $((i * 700)) "$WORK/htdocs/catalog.json" >"$WORK/htdocs/item$i.json"; done
(set +o pipefail; yes "upload line 0123456789abcdef" | head -c 1000000) >"$WORK/upload.txt"
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
  client_max_body_size 10m;
  server {
    listen $SERVER_IP:80;
    listen $SERVER_IP:8081 http2;
    root $WORK/htdocs;
    # POSTs are read whole and answered (nginx would refuse POST to a static file).
    location = /upload { client_body_buffer_size 2m; return 204; }
  }
}
CONF

lab_topology loss
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80
lab_wait_port "$SERVER_NS" "$SERVER_IP" 8081
in_mbox iptables -A FORWARD -p tcp -m statistic --mode random --probability 0.01 -j DROP

# run_variant PREFIX TITLE: captures PREFIX-client.pcap / PREFIX-server.pcap of the transfers.
run_variant() {
  local prefix=$1 title=$2
  in_mbox iptables -Z FORWARD
  lab_capture "$CLIENT_NS" c0 "$prefix-client.pcap" 'tcp port 80 or tcp port 8081' 300
  lab_capture "$SERVER_NS" s0 "$prefix-server.pcap" 'tcp port 80 or tcp port 8081' 300
  {
    echo "== $prefix: $title"
    W='%{http_version} %{http_code} %{size_download} down %{size_upload} up in %{time_total}s\n'
    echo "-- HTTP/1.1 (curl)"
    in_client curl -sS -o /dev/null -w "$W" "http://$SERVER_IP/report.txt"
    in_client curl -sS -o /dev/null -w "$W" "http://$SERVER_IP/catalog.json" -o /dev/null -w "$W" "http://$SERVER_IP/report.txt"
    in_client curl -sS -o /dev/null -w "$W" -H 'content-type: text/plain' --data-binary @"$WORK/upload.txt" "http://$SERVER_IP/upload"
    echo "-- HTTP/2 h2c (nghttp, prior knowledge)"
    in_client nghttp -ns "http://$SERVER_IP:8081/report.txt" | grep -E '^ +[0-9]+ +\+' || true
    local urls=() i
    for i in $(seq 1 20); do urls+=("http://$SERVER_IP:8081/item$i.json"); done
    in_client nghttp -ns "${urls[@]}" "http://$SERVER_IP:8081/catalog.json" | grep -E '^ +[0-9]+ +\+' | awk '{print $5}' | sort | uniq -c | sed 's/^/streams by status: /' || true
    in_client nghttp -ns -d "$WORK/upload.txt" "http://$SERVER_IP:8081/upload" | grep -E '^ +[0-9]+ +\+' | sed 's/^/upload: /' || true
  } | tee -a observed.txt
  sleep 1
  lab_stop_captures
  in_mbox iptables -vnL FORWARD | grep -E 'statistic' | awk '{print "router dropped " $1 " packets (" $2 " bytes) at random"}' | tee -a observed.txt
  { in_mbox tc -s qdisc show dev m0 | grep -A1 tbf | grep Sent | sed 's/^/m0 (to client):/' || true; } | tee -a observed.txt
  { in_mbox tc -s qdisc show dev m1 | grep -A1 tbf | grep Sent | sed 's/^/m1 (to server):/' || true; } | tee -a observed.txt
  lab_gzip_big "$prefix-client.pcap" "$prefix-server.pcap"
}

rm -f observed.txt
run_variant fast "1% random drop of forwarded TCP packets (iptables statistic), sub-millisecond path"
in_mbox tc qdisc add dev m0 root tbf rate 100mbit burst 64kb latency 400ms
in_mbox tc qdisc add dev m1 root tbf rate 100mbit burst 64kb latency 400ms
run_variant shaped "the same 1% drop, and a 100 Mbit/s bottleneck each way (tc tbf, up to 400 ms of queue)"
in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
echo "== tracelens" >>observed.txt
benign_summary fast-*.pcap* shaped-*.pcap* | tee -a observed.txt
