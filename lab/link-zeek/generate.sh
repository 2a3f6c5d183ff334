#!/usr/bin/env bash
# link-zeek: captures from Zeek's test suite (zeek/zeek, testing/btest/Traces, BSD licence) that carry
# TCP in the encapsulations tracelens reads: PPPoE over QinQ, MPLS (in VLANs, mixed), GRE, ERSPAN,
# IPv4 in IPv6, VXLAN, IPv4 fragments (one overlapping with different bytes), IPv6 atomic fragments.
# The kernel here has no PPP (no /dev/ppp: pppd cannot run), so these are the PPPoE captures.
#
#   bash lab/link-zeek/generate.sh [ZEEK_CHECKOUT]
#
# With a Zeek checkout (commit a13de64fbbdb or later), copies the captures from it; either way,
# rewrites the tshark truth files (tshark_truth.py).
set -euo pipefail
cd "$(dirname "$0")"
ZEEK=${1:-}
FILES=(
  erspan.pcap ipv4/fragmented-4.pcap ipv4/fragmented-syn.pcap ipv6-http-atomic-frag.pcap
  mixed-vlan-mpls.pcap mpls-in-vlan.pcap pppoe-over-qinq.pcap tunnels/4in6.pcap
  tunnels/gre-sample.pcap tunnels/vxlan-encapsulated-http.pcap
)
for f in "${FILES[@]}"; do
  out=$(echo "$f" | tr / _)
  [ -n "$ZEEK" ] && git -C "$ZEEK" show "HEAD:testing/btest/Traces/$f" >"$out"
  python3 ../link-common/tshark_truth.py "$out"
  [ -x ../../node_modules/.bin/prettier ] && ../../node_modules/.bin/prettier --write "$out.tshark.json" >/dev/null
done
