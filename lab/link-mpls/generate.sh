#!/usr/bin/env bash
# link-mpls: MPLS between two Open vSwitch label edge routers (userspace datapath: this kernel has
# no mpls_router module, so `ip -f mpls route` is not available). OVS in tld-mp-a pushes label
# 1000 on IPv4 from the client, and one more (outer) label 77 for a two-label stack; OVS in
# tld-mp-b pops both and hands the IP packet to the server, and the reverse direction with labels
# 2000 / 88. tcpdump on the labelled link between them. HTTP/1 and h2c inside. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../link-common/tunnels.sh
WORK=$(mktemp -d)
chmod 755 "$WORK"
tld_www "$WORK/www"

tld_ns mp-c mp-a mp-b mp-s
tld_link mp-c e0 mp-a c0
# The core link carries two 4-byte labels more than the 1500-byte access links: MTU 1508+, as
# MPLS cores are set up.
tld_link mp-a u0 mp-b u0 1600
tld_link mp-b s0 mp-s e0
in_ns tld-mp-c ip addr add 10.70.0.1/24 dev e0
in_ns tld-mp-s ip addr add 10.70.0.2/24 dev e0
for n in a b; do
  tld_ovs mp-$n "$WORK/ovs-$n"
  tld_ovs_do mp-$n "$WORK/ovs-$n" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
done
tld_ovs_do mp-a "$WORK/ovs-a" ovs-vsctl add-port br0 c0 -- add-port br0 u0
tld_ovs_do mp-b "$WORK/ovs-b" ovs-vsctl add-port br0 u0 -- add-port br0 s0
# flows NS DIR ACCESS_PORT IN_LABELS OUT_LABELS: ARP passes; IPv4 from the access port gets the
# out labels pushed (inner first); MPLS from the core port has its labels popped.
flows() {
  local ns=$1 dir=$2 access=$3 inner=$4 outer=$5
  tld_ovs_do "$ns" "$dir" ovs-ofctl del-flows br0
  tld_ovs_do "$ns" "$dir" ovs-ofctl add-flows br0 - <<FLOWS
arp,in_port=$access actions=output:u0
arp,in_port=u0 actions=output:$access
ip,in_port=$access actions=push_mpls:0x8847,set_field:$inner->mpls_label,push_mpls:0x8847,set_field:$outer->mpls_label,output:u0
mpls,in_port=u0,mpls_bos=0 actions=pop_mpls:0x8847,resubmit(,0)
mpls,in_port=u0,mpls_bos=1 actions=pop_mpls:0x0800,output:$access
FLOWS
}
flows mp-a "$WORK/ovs-a" c0 1000 77
flows mp-b "$WORK/ovs-b" s0 2000 88
tld_servers mp-s 10.70.0.2 "$WORK/www"
lab_wait_port tld-mp-c 10.70.0.2 8000 20
lab_capture tld-mp-a u0 mpls.pcap 'mpls' 60
tld_clients mp-c 10.70.0.2 >/dev/null
lab_stop_captures
rm -rf "$WORK"
tld_truth mpls.pcap
gzip -9f mpls.pcap
mv mpls.pcap.tshark.json mpls.pcap.gz.tshark.json
