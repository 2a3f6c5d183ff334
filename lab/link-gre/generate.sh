#!/usr/bin/env bash
# link-gre: GRE and ERSPAN made by Open vSwitch's userspace tunnels (this kernel has no ip_gre, so
# no `ip link add … type gre/gretap/erspan`). Two OVS instances (tld-gr-a, tld-gr-b) join the
# client's and the server's Ethernet segments through a GRE tunnel (Ethernet in GRE, protocol
# 0x6558, with checksum and key) over an underlay link; OVS in tld-gr-a also mirrors everything on
# its bridge to the far end with ERSPAN type II and type III. tcpdump on the underlay, one file per
# encapsulation. HTTP/1 and h2c inside. Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../link-common/tunnels.sh
WORK=$(mktemp -d)
chmod 755 "$WORK"
tld_www "$WORK/www"

tld_ns gr-c gr-a gr-b gr-s
tld_link gr-c e0 gr-a c0
# GRE (4 + 4 checksum + 4 key) + Ethernet (14) + outer IPv4 (20) on top of 1500-byte inner packets.
tld_link gr-a u0 gr-b u0 1600
tld_link gr-b s0 gr-s e0
in_ns tld-gr-c ip addr add 10.80.0.1/24 dev e0
in_ns tld-gr-s ip addr add 10.80.0.2/24 dev e0
# tunnel NAME ACCESS_PORT UNDERLAY_ADDR REMOTE: OVS with a physical bridge holding the tunnel
# endpoint address, and an integration bridge joining the access port to a GRE port.
tunnel() {
  local n=$1 access=$2 addr=$3 remote=$4 dir="$WORK/ovs-$1"
  tld_ovs "$n" "$dir"
  local mac
  mac=$(in_ns "tld-$n" cat /sys/class/net/u0/address)
  tld_ovs_do "$n" "$dir" ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
    other_config:hwaddr="$mac" -- add-port br-phy u0
  in_ns "tld-$n" ip addr add "$addr/24" dev br-phy
  in_ns "tld-$n" ip link set br-phy up
  tld_no_offload "$n" br-phy
  tld_ovs_do "$n" "$dir" ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev \
    -- add-port br-int "$access" \
    -- add-port br-int gre0 -- set interface gre0 type=gre options:remote_ip="$remote" \
    options:key=42 options:csum=true
}
tunnel gr-a c0 192.168.90.1 192.168.90.2
tunnel gr-b s0 192.168.90.2 192.168.90.1
# ERSPAN II (version 1) and III (version 2) mirrors of br-int in tld-gr-a.
tld_ovs_do gr-a "$WORK/ovs-gr-a" ovs-vsctl \
  -- add-port br-int ers2 -- set interface ers2 type=erspan options:remote_ip=192.168.90.2 \
  options:key=2 options:erspan_ver=1 options:erspan_idx=7 \
  -- add-port br-int ers3 -- set interface ers3 type=erspan options:remote_ip=192.168.90.2 \
  options:key=3 options:erspan_ver=2 options:erspan_dir=0 options:erspan_hwid=4 \
  -- --id=@p2 get port ers2 -- --id=@p3 get port ers3 \
  -- --id=@m2 create mirror name=m2 select-all=true output-port=@p2 \
  -- --id=@m3 create mirror name=m3 select-all=true output-port=@p3 \
  -- set bridge br-int mirrors=@m2,@m3
tld_servers gr-s 10.80.0.2 "$WORK/www"
lab_wait_port tld-gr-c 10.80.0.2 8000 20
sleep 1
# The GRE protocol type is at bytes 22-23 of the outer IPv4 packet (no IP options here).
lab_capture tld-gr-b u0 gre.pcap 'ip proto 47 and ip[22:2] = 0x6558' 60
lab_capture tld-gr-b u0 erspan2.pcap 'ip proto 47 and ip[22:2] = 0x88be' 60
lab_capture tld-gr-b u0 erspan3.pcap 'ip proto 47 and ip[22:2] = 0x22eb' 60
tld_clients gr-c 10.80.0.2 >/dev/null
lab_stop_captures
rm -rf "$WORK"
for f in gre.pcap erspan2.pcap erspan3.pcap; do
  tld_truth $f
  gzip -9f $f
  mv $f.tshark.json $f.gz.tshark.json
done
