#!/usr/bin/env bash
# netem-loss-burst: a client downloads a 6 MB file from nginx through a router whose link towards
# the client is shaped to 50 Mbit/s (tc tbf); for 1.5 s in the middle of the transfer the router
# drops 15 % of the server's packets at random. tc netem would be the usual tool for the loss, but
# this kernel has no sch_netem (nor fq/fq_codel): the loss is netfilter's `statistic` match in
# random mode instead, which drops the same way (independent per packet). Before and after, a
# small request shows the path clean. Captures: client.pcap.gz, server.pcap.gz. Needs root.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/netns.sh
lab_need nginx curl tc
LOSS=${LOSS:-0.15}

lab_topology netem
WWW=$(mktemp -d)
# Compressible content (a repeated line) keeps the gzipped captures small; TCP does not care.
yes 'tracelens lab netem-loss-burst payload line, 64 bytes long ........' | head -c 6000000 >"$WWW/big.bin" || true
echo '{"ok":true}' >"$WWW/small.json"
lab_nginx "$SERVER_NS" nginx.conf "$WWW"
rm -rf "$WWW"
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
SHAPE="tbf rate 50mbit burst 64kb latency 50ms"
in_mbox tc qdisc add dev m0 root $SHAPE
LOSS_RULE=(FORWARD -i m1 -o m0 -p tcp --sport 8080 -m statistic --mode random --probability "$LOSS" -j DROP)
rm -f observed.txt
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 90
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 90
get() { in_client curl -sS -o /dev/null -w "$1 -> %{http_code} %{size_download} bytes in %{time_total}s\n" "http://$SERVER_IP:8080$1"; }
{
  echo "== curl (router's client-facing link: tc qdisc $SHAPE; iptables -A ${LOSS_RULE[*]} for 1.5 s from 0.4 s into the download)"
  get /small.json
  get /big.bin &
  DL=$!
  sleep 0.4
  in_mbox iptables -A "${LOSS_RULE[@]}"
  sleep 1.5
  in_mbox iptables -vnL FORWARD | sed 's/^/  loss rule: /'
  in_mbox iptables -D "${LOSS_RULE[@]}"
  wait $DL
  get /small.json
  in_mbox tc -s qdisc show dev m0 | sed 's/^/  after: /'
} | tee -a observed.txt
lab_stop_captures
{ echo "== server-side TCP counters (nstat)"; in_server nstat -az TcpRetransSegs TcpExtTCPLostRetransmit TcpExtTCPSackRecovery TcpExtTCPTimeouts 2>/dev/null; } >>observed.txt
lab_gzip_big client.pcap server.pcap
