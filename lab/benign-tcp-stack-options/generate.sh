#!/usr/bin/env bash
# benign-tcp-stack-options: the same HTTP/1.1 downloads from TCP stacks configured differently,
# one capture each, client — router — server, tcpdump on the client's link:
#  - ecn.pcap:    ECN negotiated (net.ipv4.tcp_ecn=1 both sides: SYN with ECE+CWR, SYN-ACK
#                 with ECE, ECT(0) on data), no congestion marks;
#  - legacy.pcap: a client without window scaling, SACK or timestamps (tcp_window_scaling=0,
#                 tcp_sack=0, tcp_timestamps=0): 64 KiB windows, 20-byte TCP headers.
# 60 GETs of 2-200 KB over 3 keep-alive connections (curl) each. Needs root; about 15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nginx curl jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/tmp"
for k in 2 20 60 200; do (set +o pipefail; yes "row $k 0123456789 abcdefghijklmnop" | head -c $((k * 1000))) >"$WORK/htdocs/f$k.txt"; done
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
  server { listen $SERVER_IP:80; root $WORK/htdocs; }
}
CONF

lab_topology tcpopt
in_server nginx -c "$WORK/nginx.conf"
lab_wait_port "$SERVER_NS" "$SERVER_IP" 80

fetch() {
  local c args i
  for c in 1 2 3; do
    args=()
    for i in $(seq 1 20); do args+=(-o /dev/null -w '%{http_code}\n' "http://$SERVER_IP/f$(echo 2 20 60 200 | cut -d' ' -f$(((i % 4) + 1))).txt?c=$c&i=$i"); done
    in_client curl -sS "${args[@]}"
  done | sort | uniq -c
}

rm -f observed.txt
in_client sysctl -qw net.ipv4.tcp_ecn=1
in_server sysctl -qw net.ipv4.tcp_ecn=1
lab_capture "$CLIENT_NS" c0 ecn.pcap 'tcp port 80' 120
{ echo "== ecn: tcp_ecn=1 on both sides"; fetch; } | tee -a observed.txt
sleep 1
lab_stop_captures

in_client sysctl -qw net.ipv4.tcp_ecn=0 net.ipv4.tcp_window_scaling=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_timestamps=0
lab_capture "$CLIENT_NS" c0 legacy.pcap 'tcp port 80' 120
{ echo "== legacy: client without window scaling, SACK, timestamps"; fetch; } | tee -a observed.txt
sleep 1
lab_stop_captures

in_server nginx -c "$WORK/nginx.conf" -s quit || true
rm -rf "$WORK"
lab_gzip_big ecn.pcap legacy.pcap
echo "== tracelens" >>observed.txt
benign_summary ecn.pcap* legacy.pcap* | tee -a observed.txt
