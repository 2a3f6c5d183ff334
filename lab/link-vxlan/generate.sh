#!/usr/bin/env bash
# link-vxlan: Linux VXLAN (ip link type vxlan, UDP 4789) between network namespaces, two overlay
# networks (VNI 42 and VNI 43) that use the same inner addresses 10.42.0.1 -> 10.42.0.2 and the
# same client ports, over one underlay bridge where tcpdump captures — as a cloud traffic mirror
# (AWS VPC Traffic Mirroring, Azure vTAP) delivers packets: VXLAN in UDP. HTTP/1 (curl ->
# python3 http.server) and h2c (nghttp -> nghttpd) in each. Needs root; ~10 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../link-common/tunnels.sh
WORK=$(mktemp -d)
chmod 755 "$WORK"
tld_www "$WORK/www"

tld_ns vx-u vx-a1 vx-b1 vx-a2 vx-b2
in_ns tld-vx-u ip link add br0 type bridge
in_ns tld-vx-u ip link set br0 up
i=0
for n in a1 b1 a2 b2; do
  i=$((i + 1))
  tld_link vx-$n u0 vx-u p$i
  in_ns tld-vx-u ip link set p$i master br0
  in_ns tld-vx-$n ip addr add 192.168.77.1$i/24 dev u0
done
tld_no_offload vx-u br0
# vxlan NS VNI LOCAL REMOTE INNER: the overlay device and its inner address.
vxlan() {
  in_ns "tld-vx-$1" ip link add vx0 type vxlan id "$2" local "$3" remote "$4" dstport 4789 dev u0
  tld_no_offload "vx-$1" vx0
  in_ns "tld-vx-$1" ip addr add "$5/24" dev vx0
  in_ns "tld-vx-$1" ip link set vx0 up
}
vxlan a1 42 192.168.77.11 192.168.77.12 10.42.0.1
vxlan b1 42 192.168.77.12 192.168.77.11 10.42.0.2
vxlan a2 43 192.168.77.13 192.168.77.14 10.42.0.1
vxlan b2 43 192.168.77.14 192.168.77.13 10.42.0.2
tld_servers vx-b1 10.42.0.2 "$WORK/www"
tld_servers vx-b2 10.42.0.2 "$WORK/www"
# ARP through the overlays before the capture.
lab_wait_port tld-vx-a1 10.42.0.2 8000
lab_wait_port tld-vx-a2 10.42.0.2 8000

lab_capture tld-vx-u br0 vxlan.pcap 'udp port 4789' 60
# The same client ports in both networks: one inner 4-tuple, two VNIs.
for n in a1 a2; do
  in_ns tld-vx-$n sysctl -qw net.ipv4.ip_local_port_range="40050 40050"
  tld_clients vx-$n 10.42.0.2 --local-port 40001-40020 >/dev/null
done
lab_stop_captures
# Again with both networks at once: the same inner 4-tuples, live at the same time in VNI 42 and
# VNI 43 (tshark, which keys tcp.stream on addresses and ports only, cannot tell them apart).
sleep 61 # the client ports' TIME_WAIT
LAB_CAP_PIDS=() LAB_CAP_FILES=() LAB_CAP_LOGS=()
lab_capture tld-vx-u br0 vxlan-concurrent.pcap 'udp port 4789' 60
PIDS=()
for n in a1 a2; do
  in_ns tld-vx-$n curl -sS -o /dev/null --local-port 40001 --limit-rate 200k http://10.42.0.2:8000/large.txt &
  PIDS+=($!)
  in_ns tld-vx-$n nghttp -n http://10.42.0.2:8080/large.txt http://10.42.0.2:8080/medium.txt &
  PIDS+=($!)
done
wait "${PIDS[@]}"
lab_stop_captures
rm -rf "$WORK"
for f in vxlan.pcap vxlan-concurrent.pcap; do
  tld_truth $f
  gzip -9f $f
  mv $f.tshark.json $f.gz.tshark.json
done
