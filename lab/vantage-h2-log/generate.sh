#!/usr/bin/env bash
# vantage-h2-log: nghttp (HTTP/2 over cleartext, prior knowledge) fetches four files of 20 kB from
# nghttpd through the middlebox with `nghttp -v`: three views of the same traffic —
#   nghttp.log   the client program's own frame log (times relative to its start: no wall clock),
#   client.pcap  the client's interface,
#   server.pcap  the server's interface.
# Nothing fails. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-corr}
source ../_lib/netns.sh
lab_need nghttp nghttpd

lab_topology h2log
WWW=$(mktemp -d)
LAB_TMPDIRS+=("$WWW")
for f in a b c d; do head -c 20000 /dev/zero | tr '\0' "$f" >"$WWW/$f.txt"; done
lab_bg "$SERVER_NS" nghttpd --no-tls -d "$WWW" 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 30
lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 30
URL="http://$SERVER_IP:8080"
in_client nghttp -v -n "$URL/a.txt" "$URL/b.txt" "$URL/c.txt" "$URL/d.txt" >nghttp.log
lab_stop_captures
echo "nghttp -v: $(grep -c 'frame <' nghttp.log) frame lines" | tee observed.txt
# A copy of client.pcap without the packet that carried the client's WINDOW_UPDATEs (editcap
# numbers from 1): the log says the program wrote two frames this "capture" never carried.
N=$(tshark -r client.pcap -Y 'http2.type == 8 && tcp.dstport == 8080' -T fields -e frame.number 2>/dev/null | head -1)
editcap client.pcap client-cut.pcap "$N"
echo "client-cut.pcap: client.pcap without packet $N (the client's two WINDOW_UPDATE frames)" | tee -a observed.txt
