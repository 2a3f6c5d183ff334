#!/usr/bin/env bash
# vantage-loss: the middlebox drops packets at random on one link, a different rate each way
# (iptables FORWARD -m statistic --mode random: 3 % of the server's packets toward the client,
# 1 % of the client's toward the server; this kernel has no sch_netem). The client downloads
# 500 kB three times. Captures on both sides, and on the router's two interfaces (router-in.pcap
# on m0, facing the client; router-out.pcap on m1, facing the server): the drops happen between
# those two. The rules' packet counters (observed.txt) are the exact losses per direction the
# correlation must count. Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need iptables curl

lab_topology loss
in_mbox iptables -A FORWARD -i m1 -p tcp --sport 8080 -m statistic --mode random --probability 0.03 -j DROP
in_mbox iptables -A FORWARD -i m0 -p tcp --dport 8080 -m statistic --mode random --probability 0.01 -j DROP
lab_bg "$SERVER_NS" python3 ../_lib/http_server.py --port 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 60
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 60
lab_capture "$MBOX_NS" m0 router-in.pcap 'tcp port 8080' 60
lab_capture "$MBOX_NS" m1 router-out.pcap 'tcp port 8080' 60
{
  echo "== curl: three downloads of 500 kB"
  for i in 1 2 3; do
    in_client curl -s -o /dev/null -w "%{url_effective} %{http_code} %{size_download} bytes %{time_total}s\n" "http://$SERVER_IP:8080/big?bytes=500000"
  done
} | tee -a observed.txt
sleep 1
lab_stop_captures
{
  echo "== iptables FORWARD -x (rule 1: server → client drops, rule 2: client → server drops)"
  in_mbox iptables -vnxL FORWARD
} >>observed.txt
lab_gzip_big client.pcap server.pcap router-in.pcap router-out.pcap
