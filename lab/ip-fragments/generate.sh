#!/usr/bin/env bash
# ip-fragments: TCP in IP fragments, made by the Linux kernel.
#  tcp-ipv4.pcap   A router namespace forwards the server's TCP segments (1460 bytes: the client
#                  advertised MSS 1460) onto a link of MTU 1000. The server does not set DF
#                  (net.ipv4.ip_no_pmtu_disc=1), so the router fragments every full segment; tcpdump
#                  on the client's interface sees the fragments, often the last first.
#  vxlan-ipv4.pcap Linux VXLAN whose device MTU (1500) equals the underlay's: every full inner frame
#  vxlan-ipv6.pcap makes a 1550-byte outer UDP datagram, which the sending kernel fragments
#                  (IPv4 fragments; over an IPv6 underlay, IPv6 Fragment headers).
# HTTP/1 (curl -> python3 http.server) and h2c (nghttp -> nghttpd) inside. Needs root; ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../link-common/tunnels.sh
WORK=$(mktemp -d)
chmod 755 "$WORK"
tld_www "$WORK/www"

# --- TCP fragmented by a router -------------------------------------------------------------
tld_ns fr-c fr-r fr-s
tld_link fr-c c0 fr-r r0
tld_link fr-r r1 fr-s s0
# The router's side toward the client is the narrow link: it fragments what it forwards there.
# (The client sends only small packets, so its own 1500-byte MTU never meets the 1000.)
in_ns tld-fr-r ip link set r0 mtu 1000
in_ns tld-fr-c ip addr add 10.61.1.2/24 dev c0
in_ns tld-fr-c ip route add default via 10.61.1.1
in_ns tld-fr-r ip addr add 10.61.1.1/24 dev r0
in_ns tld-fr-r ip addr add 10.61.2.1/24 dev r1
in_ns tld-fr-r sysctl -qw net.ipv4.ip_forward=1
in_ns tld-fr-s ip addr add 10.61.2.2/24 dev s0
in_ns tld-fr-s ip route add default via 10.61.2.1
in_ns tld-fr-s sysctl -qw net.ipv4.ip_no_pmtu_disc=1
tld_servers fr-s 10.61.2.2 "$WORK/www"
lab_wait_port tld-fr-c 10.61.2.2 8000
lab_capture tld-fr-c c0 tcp-ipv4.pcap 'host 10.61.2.2' 60
tld_clients fr-c 10.61.2.2 >/dev/null
lab_stop_captures

# --- VXLAN over IPv4 and IPv6 underlays, outer datagrams fragmented ----------------------------
# Bridged VXLAN, as a hypervisor does it: the inner hosts (fv-h1, fv-h2) sit behind a bridge in
# the tunnel endpoints (fv-a, fv-b), so the endpoints cannot shrink the hosts' path MTU; the
# hosts send full 1500-byte frames and the endpoints fragment the 1550-byte outer datagrams
# (VNI 4 over IPv4: kernel VXLAN both ends; VNI 6 over IPv6: kernel VXLAN at the client, a
# user-space endpoint at the server, see below).
tld_ns fv-a fv-b fv-h1 fv-h2
tld_link fv-a u0 fv-b u0
in_ns tld-fv-a ip addr add 192.168.61.1/24 dev u0
in_ns tld-fv-b ip addr add 192.168.61.2/24 dev u0
in_ns tld-fv-a ip -6 addr add fd00:61::1/64 dev u0 nodad
in_ns tld-fv-b ip -6 addr add fd00:61::2/64 dev u0 nodad
# vx NS VNI LOCAL REMOTE HOST_NS HOST_ADDR: a VXLAN device (MTU 1500: without "dev", the kernel
# does not cap it at the underlay's less the overhead) bridged with a veth to an inner host.
vx() {
  local ns=$1 vni=$2 local=$3 remote=$4 host=$5 addr=$6
  in_ns "tld-$ns" ip link add "vx$vni" type vxlan id "$vni" local "$local" remote "$remote" dstport 4789
  in_ns "tld-$ns" ip link set "vx$vni" mtu 1500
  tld_no_offload "$ns" "vx$vni"
  in_ns "tld-$ns" ip link add "br$vni" type bridge
  tld_link "$ns" "h$vni" "$host" "e$vni"
  in_ns "tld-$ns" ip link set "vx$vni" master "br$vni"
  in_ns "tld-$ns" ip link set "h$vni" master "br$vni"
  in_ns "tld-$ns" ip link set "vx$vni" up
  in_ns "tld-$ns" ip link set "br$vni" up
  in_ns "tld-$host" ip addr add "$addr/24" dev "e$vni"
}
# The hosts send without DF: otherwise the bridged VXLAN device answers a too-big frame with an
# ICMP "fragmentation needed" of its own (Linux 5.9+) and the hosts' TCP shrinks its segments.
in_ns tld-fv-h1 sysctl -qw net.ipv4.ip_no_pmtu_disc=1
in_ns tld-fv-h2 sysctl -qw net.ipv4.ip_no_pmtu_disc=1
vx fv-a 4 192.168.61.1 192.168.61.2 fv-h1 10.64.0.1
vx fv-b 4 192.168.61.2 192.168.61.1 fv-h2 10.64.0.2
vx fv-a 6 fd00:61::1 fd00:61::2 fv-h1 10.66.0.1
# The server side of VNI 6 is a VXLAN endpoint in user space (vxlan_tap.py): the kernel's VXLAN
# device drops an IPv6 outer datagram over the path MTU instead of fragmenting it, a UDP socket's
# datagrams are fragmented. Its TAP device is bridged to the host like the kernel device.
in_ns tld-fv-b ip tuntap add tap6 mode tap
tld_no_offload fv-b tap6
lab_bg tld-fv-b python3 "$PWD/vxlan_tap.py" tap6 6 fd00:61::2 fd00:61::1
in_ns tld-fv-b ip link add br6 type bridge
tld_link fv-b h6 fv-h2 e6
in_ns tld-fv-b ip link set tap6 master br6
in_ns tld-fv-b ip link set h6 master br6
in_ns tld-fv-b ip link set tap6 up
in_ns tld-fv-b ip link set br6 up
in_ns tld-fv-h2 ip addr add 10.66.0.2/24 dev e6
tld_servers fv-h2 10.64.0.2 "$WORK/www"
tld_servers fv-h2 10.66.0.2 "$WORK/www"
lab_wait_port tld-fv-h1 10.64.0.2 8000
lab_wait_port tld-fv-h1 10.66.0.2 8000
LAB_CAP_PIDS=() LAB_CAP_FILES=() LAB_CAP_LOGS=()
lab_capture tld-fv-a u0 vxlan-ipv4.pcap 'ip' 60
tld_clients fv-h1 10.64.0.2 >/dev/null
lab_stop_captures
LAB_CAP_PIDS=() LAB_CAP_FILES=() LAB_CAP_LOGS=()
lab_capture tld-fv-a u0 vxlan-ipv6.pcap 'ip6 and not icmp6' 60
tld_clients fv-h1 10.66.0.2 >/dev/null
lab_stop_captures
rm -rf "$WORK"
for f in tcp-ipv4.pcap vxlan-ipv4.pcap vxlan-ipv6.pcap; do
  tld_truth $f
  gzip -9f $f
  mv $f.tshark.json $f.gz.tshark.json
done
