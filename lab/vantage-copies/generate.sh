#!/usr/bin/env bash
# vantage-copies: one capture and two edited copies of it, the correlation's simplest truths.
#   shifted.pcap  editcap -t 3.25: every timestamp 3.25 s later (the same packets, another clock)
#   dropped.pcap  editcap with one packet number: that packet removed (editcap numbers packets from
#                 1, as Wireshark does; the removed one is the third request the client sent)
# base.pcap is lab/vantage-nat-ports/client.pcap (HTTP keep-alive traffic, 256 packets). Two copies
# of one capture see each packet with the same TTL at the same moment, so nothing says which is
# nearer the client; the correlation then takes the first input as nearer, and a client packet
# missing from the second is "lost" between them. No root needed.
set -euo pipefail
cd "$(dirname "$0")"
cp ../vantage-nat-ports/client.pcap base.pcap
editcap -t 3.25 base.pcap shifted.pcap
N=$(tshark -r base.pcap -Y 'tcp.dstport == 8080 && tcp.len > 0' -T fields -e frame.number 2>/dev/null | sed -n 3p)
editcap base.pcap dropped.pcap "$N"
echo "removed packet $N (the client's third request) from dropped.pcap" | tee observed.txt
tshark -r base.pcap -Y "frame.number == $N" 2>/dev/null | tee -a observed.txt
