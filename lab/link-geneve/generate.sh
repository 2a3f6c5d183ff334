#!/usr/bin/env bash
# link-geneve: Geneve (RFC 8926, UDP 6081) made by Open vSwitch's userspace tunnels (the kernel here
# has no geneve module). Two OVS instances (tld-ge-a, tld-ge-b) join the client's and the server's
# Ethernet segments through two Geneve tunnels over one underlay link, VNI 100 and VNI 200, and
# the client and server pairs behind them use the same inner addresses and ports, at the same
# time. tcpdump on the underlay. HTTP/1 and h2c inside. Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../link-common/tunnels.sh
WORK=$(mktemp -d)
chmod 755 "$WORK"
tld_www "$WORK/www"

tld_ns ge-a ge-b ge-c1 ge-s1 ge-c2 ge-s2
tld_link ge-a u0 ge-b u0 1600
tld_link ge-c1 e0 ge-a c1
tld_link ge-c2 e0 ge-a c2
tld_link ge-b s1 ge-s1 e0
tld_link ge-b s2 ge-s2 e0
for n in 1 2; do
  in_ns tld-ge-c$n ip addr add 10.90.0.1/24 dev e0
  in_ns tld-ge-s$n ip addr add 10.90.0.2/24 dev e0
done
# endpoint NAME ADDR REMOTE PREFIX: OVS with the underlay address on a physical bridge, and one
# integration bridge per VNI joining an access port (PREFIX1, PREFIX2) to a Geneve port.
endpoint() {
  local n=$1 addr=$2 remote=$3 prefix=$4 dir="$WORK/ovs-$1" mac
  tld_ovs "$n" "$dir"
  mac=$(in_ns "tld-$n" cat /sys/class/net/u0/address)
  tld_ovs_do "$n" "$dir" ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
    other_config:hwaddr="$mac" -- add-port br-phy u0
  in_ns "tld-$n" ip addr add "$addr/24" dev br-phy
  in_ns "tld-$n" ip link set br-phy up
  tld_no_offload "$n" br-phy
  local i vni
  for i in 1 2; do
    vni=$((i * 100))
    tld_ovs_do "$n" "$dir" ovs-vsctl add-br br$i -- set bridge br$i datapath_type=netdev \
      -- add-port br$i "$prefix$i" \
      -- add-port br$i gnv$i -- set interface gnv$i type=geneve options:remote_ip="$remote" options:key=$vni
  done
}
endpoint ge-a 192.168.95.1 192.168.95.2 c
endpoint ge-b 192.168.95.2 192.168.95.1 s
tld_servers ge-s1 10.90.0.2 "$WORK/www"
tld_servers ge-s2 10.90.0.2 "$WORK/www"
lab_wait_port tld-ge-c1 10.90.0.2 8000 20
lab_wait_port tld-ge-c2 10.90.0.2 8000 20
sleep 1
lab_capture tld-ge-b u0 geneve.pcap 'udp port 6081' 60
PIDS=()
for n in 1 2; do
  in_ns tld-ge-c$n sysctl -qw net.ipv4.ip_local_port_range="40050 40050"
  in_ns tld-ge-c$n curl -sS -o /dev/null --local-port 40001 --limit-rate 200k http://10.90.0.2:8000/large.txt &
  PIDS+=($!)
  in_ns tld-ge-c$n nghttp -n http://10.90.0.2:8080/medium.txt http://10.90.0.2:8080/small.txt &
  PIDS+=($!)
done
wait "${PIDS[@]}"
lab_stop_captures
rm -rf "$WORK"
tld_truth geneve.pcap
gzip -9f geneve.pcap
mv geneve.pcap.tshark.json geneve.pcap.gz.tshark.json
