#!/usr/bin/env bash
# Shared bits of the lab/link-* and lab/ip-fragments generators (namespace prefix tld): namespaces
# and veth links without offloads (on top of lab/_lib/netns.sh's captures and teardown), an HTTP/1
# server (python3 -m http.server) and an h2c server (nghttpd) on one address, the clients that
# fetch from them (curl, nghttp), and tshark's truth file for each capture.
#
#   source "$(dirname "$0")/../link-common/tunnels.sh"
set -euo pipefail
LAB_PREFIX=tld
LINK_COMMON=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../_lib/netns.sh
source "$LINK_COMMON/../_lib/netns.sh"
trap lab_cleanup EXIT
trap 'exit 130' INT TERM
lab_need ip ethtool tcpdump tshark curl nghttp nghttpd python3 gzip

# tld_ns NAME...: fresh namespaces tld-NAME with loopback up, removed on exit.
tld_ns() {
  local n ns
  for n in "$@"; do
    ns="tld-$n"
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    LAB_NAMESPACES+=("$ns")
    in_ns "$ns" ip link set lo up
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
}

# tld_link NS1 IF1 NS2 IF2 [MTU]: a veth pair between two namespaces, offloads off, up.
tld_link() {
  ip link add "$2" netns "tld-$1" type veth peer name "$4" netns "tld-$3"
  local pair mtu=${5:-1500}
  for pair in "$1 $2" "$3 $4"; do
    set -- $pair
    in_ns "tld-$1" ip link set "$2" mtu "$mtu"
    in_ns "tld-$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    in_ns "tld-$1" ip link set "$2" up
  done
}

# tld_no_offload NS IF: offloads off on a device made otherwise (vxlan, bridge, tap).
tld_no_offload() {
  in_ns "tld-$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
}

# tld_www DIR: files the servers serve: 2 KB, 30 KB and 300 KB of text (the captures gzip well).
tld_www() {
  mkdir -p "$1"
  head -c 2000 /usr/share/common-licenses/GPL-3 >"$1/small.txt"
  head -c 30000 /usr/share/common-licenses/GPL-3 >"$1/medium.txt"
  for _ in 1 2 3 4 5 6 7 8; do cat /usr/share/common-licenses/GPL-3; done | head -c 300000 >"$1/large.txt"
  chmod -R a+rX "$1"
}

# tld_servers NS ADDR DIR: python3 -m http.server on ADDR:8000, nghttpd (h2c) on port 8080.
tld_servers() {
  local ns="tld-$1" addr=$2 dir=$3
  lab_bg "$ns" python3 -m http.server 8000 --bind "$addr" --directory "$dir"
  lab_bg "$ns" nghttpd --no-tls -d "$dir" --address="$addr" 8080
  local i
  for i in $(seq 50); do
    in_ns "$ns" ss -ltn | grep -q ":8000 " && in_ns "$ns" ss -ltn | grep -q ":8080 " && return 0
    sleep 0.1
  done
  lab_log "servers in $ns did not start"
  return 1
}

# tld_clients NS HOST [CURL_OPTS...]: HTTP/1 (curl, three requests; python's http.server answers
# HTTP/1.0, so one connection each) and h2c (nghttp, prior knowledge, three streams on one
# connection). CURL_OPTS may pin the client port (--local-port) so that two networks carry the
# same inner 4-tuple.
tld_clients() {
  local ns="tld-$1" host=$2
  shift 2
  local h=$host
  [[ $host == *:* ]] && h="[$host]"
  local f
  for f in small medium large; do in_ns "$ns" curl -sS -o /dev/null "$@" "http://$h:8000/$f.txt"; done
  in_ns "$ns" nghttp -n "http://$h:8080/small.txt" "http://$h:8080/medium.txt" "http://$h:8080/large.txt"
}

# tld_truth CAPTURE [TSHARK_OPTS...]: CAPTURE.tshark.json (see tshark_truth.py).
tld_truth() {
  python3 "$LINK_COMMON/tshark_truth.py" "$@"
  # The tree is checked with Prettier: write the file as it would.
  local prettier="$LINK_COMMON/../../node_modules/.bin/prettier"
  [ -x "$prettier" ] && "$prettier" --write "$1.tshark.json" >/dev/null || true
}

# tld_ovs NAME DIR: Open vSwitch (ovsdb-server + ovs-vswitchd, its own database and sockets in DIR)
# inside namespace tld-NAME; its bridges use the userspace datapath (datapath_type=netdev), which
# does GRE, ERSPAN and MPLS itself where the kernel here has no such modules. Run its tools with
# `tld_ovs_do NAME DIR ovs-vsctl ...`. The daemons die with the namespace.
tld_ovs() {
  local ns="tld-$1" dir=$2
  command -v ovs-vswitchd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openvswitch-switch >/dev/null
  mkdir -p "$dir"
  ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  in_ns "$ns" env OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" ovsdb-server "$dir/conf.db" \
    --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb.pid" --detach --log-file="$dir/ovsdb.log"
  in_ns "$ns" env OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" ovs-vswitchd "unix:$dir/db.sock" \
    --pidfile="$dir/vswitchd.pid" --detach --log-file="$dir/vswitchd.log"
  tld_ovs_do "$1" "$dir" ovs-vsctl --no-wait init
}
tld_ovs_do() {
  local ns="tld-$1" dir=$2
  shift 2
  local tool=$1
  shift
  case $tool in
    ovs-vsctl) in_ns "$ns" env OVS_RUNDIR="$dir" ovs-vsctl --db="unix:$dir/db.sock" "$@" ;;
    *) in_ns "$ns" env OVS_RUNDIR="$dir" "$tool" "$@" ;;
  esac
}
