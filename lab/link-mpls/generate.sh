#!/usr/bin/env bash
# link-mpls: MPLS between two Open vSwitch label edge routers (userspace datapath: this kernel has
# no mpls_router module, so `ip -f mpls route` is not available). OVS in tld-mp-a pushes label
# 1000 on IPv4 from the client, and one more (outer) label 77 for a two-label stack; OVS in
# tld-mp-b pops both and hands the IP packet to the server, and the reverse direction with labels
# 2000 / 88. tcpdump on the labelled link between them. Then an Ethernet pseudowire (EoMPLS, RFC
# 4448 without control word): OVS encapsulates the whole Ethernet frame under label 300 (400 back)
# with encap(mpls) + encap(ethernet). HTTP/1 and h2c inside. Needs root; ~20 s.
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

# --- Ethernet pseudowire ----------------------------------------------------------------------
tld_ns pw-c pw-a pw-b pw-s
tld_link pw-c e0 pw-a c0
tld_link pw-a u0 pw-b u0 1600
tld_link pw-b s0 pw-s e0
# After the label stack comes the host's Ethernet frame, whose first byte is its destination
# MAC's: one starting with the nibble 4 or 6 reads as IPv4/IPv6, for Wireshark and tracelens
# alike (RFC 4385 is why the control word exists). These MACs start with 0xa.
in_ns tld-pw-c ip link set e0 address aa:00:00:00:00:01
in_ns tld-pw-s ip link set e0 address aa:00:00:00:00:02
in_ns tld-pw-c ip addr add 10.71.0.1/24 dev e0
in_ns tld-pw-s ip addr add 10.71.0.2/24 dev e0
# pw NS DIR ACCESS LABEL: frames from the access port go out whole under LABEL in a new Ethernet
# header; labelled frames from the core lose both and go to the access port.
pw() {
  local ns=$1 dir=$2 access=$3 label=$4
  tld_ovs "$ns" "$dir"
  tld_ovs_do "$ns" "$dir" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 "$access" -- add-port br0 u0
  tld_ovs_do "$ns" "$dir" ovs-ofctl -O OpenFlow13 del-flows br0
  tld_ovs_do "$ns" "$dir" ovs-ofctl -O OpenFlow13 add-flow br0 \
    "in_port=$access,actions=encap(mpls),set_field:$label->mpls_label,encap(ethernet),set_field:02:00:00:00:0e:0b->eth_dst,set_field:02:00:00:00:0e:0a->eth_src,output:u0"
  tld_ovs_do "$ns" "$dir" ovs-ofctl -O OpenFlow13 add-flow br0 \
    "in_port=u0,dl_type=0x8847,actions=decap(),decap(packet_type(ns=0,type=0)),output:$access"
}
pw pw-a "$WORK/ovs-pw-a" c0 300
pw pw-b "$WORK/ovs-pw-b" s0 400
tld_servers pw-s 10.71.0.2 "$WORK/www"
lab_wait_port tld-pw-c 10.71.0.2 8000 20
LAB_CAP_PIDS=() LAB_CAP_FILES=() LAB_CAP_LOGS=()
lab_capture tld-pw-a u0 eompls.pcap 'mpls' 60
tld_clients pw-c 10.71.0.2 >/dev/null
lab_stop_captures
rm -rf "$WORK"
tld_truth mpls.pcap
# tshark leaves a pseudowire undecoded unless told its labels (Decode As).
tld_truth eompls.pcap -d mpls.label==300,pwethheuristic -d mpls.label==400,pwethheuristic
for f in mpls.pcap eompls.pcap; do
  gzip -9f $f
  mv $f.tshark.json $f.gz.tshark.json
done
