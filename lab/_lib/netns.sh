#!/usr/bin/env bash
# Shared helpers for lab/*/generate.sh: a client — middlebox — server topology in three network
# namespaces joined by veth pairs (MTU 1500, no segmentation/checksum offloads, so tcpdump sees
# wire-size packets with real checksums), bounded tcpdump captures on any interface, background
# programs, and a teardown on exit. Source it from a generator (needs root):
#
#   source "$(dirname "$0")/../_lib/netns.sh"
#   lab_topology natidle            # namespaces ${LAB_PREFIX}-natidle-{c,m,s}
#   lab_bg "$SERVER_NS" python3 server.py
#   lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 120
#   lab_capture "$SERVER_NS" s0 server.pcap 'tcp port 8080' 120
#   in_client python3 client.py
#   lab_stop_captures               # waits for the files to stop growing, then stops tcpdump
#
# Addresses (the same in every scenario; namespaces keep them apart):
#   client  c0 10.77.1.2/24  fd00:77:1::2/64   default via the middlebox
#   mbox    m0 10.77.1.1/24  fd00:77:1::1/64   (client side)
#           m1 10.77.2.1/24  fd00:77:2::1/64   (server side), forwarding on
#   server  s0 10.77.2.2/24  fd00:77:2::2/64   default via the middlebox
# Each namespace has its own loopback, conntrack table and sysctls (net.ipv4.*, net.netfilter.*),
# so a scenario can change tcp_retries2 or the conntrack timeouts without touching the host.
set -euo pipefail

# Namespace names start with this prefix (one per engineer/tool, so runs do not collide).
LAB_PREFIX=${LAB_PREFIX:-tlh}

CLIENT_IP=10.77.1.2
CLIENT_IP6=fd00:77:1::2
MBOX_CLIENT_IP=10.77.1.1
MBOX_CLIENT_IP6=fd00:77:1::1
MBOX_SERVER_IP=10.77.2.1
MBOX_SERVER_IP6=fd00:77:2::1
SERVER_IP=10.77.2.2
SERVER_IP6=fd00:77:2::2

LAB_NAMESPACES=()
LAB_PIDS=()
LAB_CAP_PIDS=()
LAB_CAP_FILES=()
LAB_CAP_LOGS=()
LAB_TMPDIRS=()

lab_log() { printf '[lab %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# lab_need CMD... : apt-get install the Debian packages providing missing commands.
lab_need() {
  local missing=() t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 && continue
    case "$t" in
      nghttp | h2load) missing+=(nghttp2-client) ;;
      nghttpd) missing+=(nghttp2-server) ;;
      conntrack) missing+=(conntrack) ;;
      tc | ip) missing+=(iproute2) ;;
      *) missing+=("$t") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    lab_log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
  fi
}

# in_ns NS CMD... / in_client / in_mbox / in_server: run a command inside a namespace.
in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}
in_client() { in_ns "$CLIENT_NS" "$@"; }
in_mbox() { in_ns "$MBOX_NS" "$@"; }
in_server() { in_ns "$SERVER_NS" "$@"; }

# Segmentation and receive offloads make tcpdump see 64 KiB "packets"; checksum offload leaves
# locally sent packets with unfilled checksums. Off, the capture looks like one taken on a wire.
_lab_no_offload() {
  in_ns "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
}

# lab_topology NAME: creates ${LAB_PREFIX}-NAME-{c,m,s}, sets CLIENT_NS MBOX_NS SERVER_NS and
# installs the teardown trap. Any leftover namespaces of the same name are removed first.
lab_topology() {
  local name=$1
  lab_need ip ethtool tcpdump
  CLIENT_NS="${LAB_PREFIX}-${name}-c"
  MBOX_NS="${LAB_PREFIX}-${name}-m"
  SERVER_NS="${LAB_PREFIX}-${name}-s"
  local ns
  for ns in "$CLIENT_NS" "$MBOX_NS" "$SERVER_NS"; do
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    LAB_NAMESPACES+=("$ns")
    in_ns "$ns" ip link set lo up
    # The kernel default (15 retries, ~15 min) is the real one; scenarios shorten it when needed.
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM

  ip link add c0 netns "$CLIENT_NS" type veth peer name m0 netns "$MBOX_NS"
  ip link add s0 netns "$SERVER_NS" type veth peer name m1 netns "$MBOX_NS"
  local pair
  for pair in "$CLIENT_NS c0" "$MBOX_NS m0" "$MBOX_NS m1" "$SERVER_NS s0"; do
    set -- $pair
    in_ns "$1" ip link set "$2" mtu 1500
    _lab_no_offload "$1" "$2"
    in_ns "$1" ip link set "$2" up
  done

  in_client ip addr add "$CLIENT_IP/24" dev c0
  in_client ip -6 addr add "$CLIENT_IP6/64" dev c0 nodad
  in_client ip route add default via "$MBOX_CLIENT_IP"
  in_client ip -6 route add default via "$MBOX_CLIENT_IP6"

  in_mbox ip addr add "$MBOX_CLIENT_IP/24" dev m0
  in_mbox ip -6 addr add "$MBOX_CLIENT_IP6/64" dev m0 nodad
  in_mbox ip addr add "$MBOX_SERVER_IP/24" dev m1
  in_mbox ip -6 addr add "$MBOX_SERVER_IP6/64" dev m1 nodad
  in_mbox sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

  in_server ip addr add "$SERVER_IP/24" dev s0
  in_server ip -6 addr add "$SERVER_IP6/64" dev s0 nodad
  in_server ip route add default via "$MBOX_SERVER_IP"
  in_server ip -6 route add default via "$MBOX_SERVER_IP6"

  # Neighbour discovery settles before any capture starts (the first SYN would otherwise wait
  # for ARP/NDP on the first run only). A connect to the discard port is answered by an RST.
  in_client timeout 2 bash -c "exec 3<>/dev/tcp/$SERVER_IP/9" 2>/dev/null || true
  in_client timeout 2 bash -c "exec 3<>/dev/tcp/$SERVER_IP6/9" 2>/dev/null || true
  lab_log "topology $name: $CLIENT_NS ($CLIENT_IP) — $MBOX_NS — $SERVER_NS ($SERVER_IP)"
}

# lab_bg NS CMD...: runs a program in the background inside NS; it is stopped on exit.
# Sets LAB_LAST_PID. Output goes to stderr of the generator.
lab_bg() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@" >&2 &
  LAB_LAST_PID=$!
  LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_wait_port NS HOST PORT [SECONDS]: waits until a TCP port accepts connections (probed
# from inside NS with bash's /dev/tcp, which leaves no trace outside that namespace's capture —
# start the probe before the captures, or filter it out).
lab_wait_port() {
  local ns=$1 host=$2 port=$3 max=${4:-10} i
  for i in $(seq 1 $((max * 10))); do
    if ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  lab_log "port $host:$port in $ns did not open within ${max}s"
  return 1
}

# lab_capture NS IFACE FILE FILTER [MAX_SECONDS]: tcpdump on IFACE inside NS, full packets,
# written as they arrive, stopped after MAX_SECONDS at the latest (default 120). Returns once
# tcpdump is listening.
lab_capture() {
  local ns=$1 ifc=$2 file=$3 filter=$4 max=${5:-120}
  rm -f "$file" "$file.gz"
  local log
  log=$(mktemp)
  ip netns exec "$ns" timeout -s INT "$max" \
    tcpdump -i "$ifc" -s 0 -B 65536 --immediate-mode -U -Z root -w "$file" "$filter" 2>"$log" &
  LAB_CAP_PIDS+=($!)
  LAB_CAP_FILES+=("$file")
  LAB_CAP_LOGS+=("$log")
  local i
  for i in $(seq 1 100); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening on" "$log" || { lab_log "tcpdump on $ns/$ifc did not start:"; cat "$log" >&2; return 1; }
  sleep 0.2
}

# lab_stop_captures: waits until every capture file has stopped growing (tcpdump can still be
# writing what is in its ring after the programs ended; interrupting it then silently loses those
# packets), then SIGINTs tcpdump and reports what it captured and dropped.
lab_stop_captures() {
  local i f size prev stable waited
  for i in "${!LAB_CAP_PIDS[@]}"; do
    f=${LAB_CAP_FILES[$i]}
    prev=-1
    stable=0
    waited=0
    while [ "$stable" -lt 3 ] && [ "$waited" -lt 200 ]; do
      sleep 0.3
      size=$(stat -c %s "$f" 2>/dev/null || echo 0)
      if [ "$size" = "$prev" ]; then stable=$((stable + 1)); else stable=0; fi
      prev=$size
      waited=$((waited + 1))
    done
  done
  for i in "${!LAB_CAP_PIDS[@]}"; do
    kill -INT "${LAB_CAP_PIDS[$i]}" 2>/dev/null || true
  done
  for i in "${!LAB_CAP_PIDS[@]}"; do
    wait "${LAB_CAP_PIDS[$i]}" 2>/dev/null || true
    local summary
    summary=$(grep -E 'captured|dropped by kernel' "${LAB_CAP_LOGS[$i]}" | tr '\n' ' ' || true)
    lab_log "$(basename "${LAB_CAP_FILES[$i]}"): $summary"
    grep -qE '^0 packets dropped by kernel' "${LAB_CAP_LOGS[$i]}" ||
      lab_log "warning: $(basename "${LAB_CAP_FILES[$i]}") may have lost packets"
    rm -f "${LAB_CAP_LOGS[$i]}"
  done
  LAB_CAP_PIDS=()
  LAB_CAP_FILES=()
  LAB_CAP_LOGS=()
}

# lab_gzip_big FILE...: gzips captures over 1 MB (tracelens reads .pcap.gz natively).
lab_gzip_big() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    if [ "$(stat -c %s "$f")" -gt 1000000 ]; then
      gzip -9f "$f"
      lab_log "$f gzipped: $(stat -c %s "$f.gz") bytes"
    fi
  done
}

# lab_cleanup: stops captures (keeping what they wrote), background programs and namespaces.
# Installed as the EXIT trap by lab_topology; safe to call twice.
lab_cleanup() {
  local rc=$? p ns
  if [ ${#LAB_CAP_PIDS[@]} -gt 0 ]; then lab_stop_captures || true; fi
  for p in "${LAB_PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${LAB_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  LAB_PIDS=()
  for ns in "${LAB_NAMESPACES[@]}"; do
    # Programs started by others inside the namespace (daemons that forked) die with it only
    # once nothing holds it: kill whatever is still in it first.
    local pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  LAB_NAMESPACES=()
  # nginx prefixes (their logs were read by the generator before it exited).
  for p in "${LAB_TMPDIRS[@]}"; do rm -rf "$p"; done
  LAB_TMPDIRS=()
  return $rc
}

# lab_conntrack_nat TIMEOUT_S ACTION: the middlebox masquerades the client behind its server-side
# address (iptables and ip6tables -t nat POSTROUTING MASQUERADE), forgets established TCP flows idle for
# TIMEOUT_S (nf_conntrack_tcp_timeout_established), does not pick up mid-stream flows it has
# forgotten (nf_conntrack_tcp_loose=0, so their packets are conntrack state INVALID), and does
# ACTION to those packets in FORWARD: "reject" (RST to the sender, from the middlebox),
# "drop" (silently), or "none" (no rule: INVALID packets are forwarded un-NATed).
lab_conntrack_nat() {
  local timeout=$1 action=$2
  lab_need iptables conntrack
  in_mbox sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established="$timeout" \
    net.netfilter.nf_conntrack_tcp_loose=0
  local ipt
  # The same for IPv4 and IPv6 (one conntrack table and one set of timeouts for both).
  for ipt in iptables ip6tables; do
    in_mbox $ipt -t nat -A POSTROUTING -o m1 -j MASQUERADE
    case "$action" in
      reject) in_mbox $ipt -A FORWARD -m conntrack --ctstate INVALID -p tcp -j REJECT --reject-with tcp-reset ;;
      drop) in_mbox $ipt -A FORWARD -m conntrack --ctstate INVALID -j DROP ;;
      none) ;;
      *) lab_log "lab_conntrack_nat: unknown action $action"; return 1 ;;
    esac
  done
}

# lab_conntrack_dump LABEL FILE: appends `conntrack -L` of the middlebox (TCP flows) to FILE.
lab_conntrack_dump() {
  { echo "== $1 ($(date -u +%H:%M:%S))"; in_mbox conntrack -L -p tcp 2>/dev/null || true; } >>"$2"
}

# lab_nginx NS CONF [WWW_DIR]: runs nginx (foreground master) inside NS with CONF; relative paths
# in CONF (pid, logs, root) resolve against a fresh prefix directory $LAB_NGINX_PREFIX, whose www/
# is WWW_DIR's copy when given. The access log is $LAB_NGINX_PREFIX/access.log; the directory is
# removed on exit.
lab_nginx() {
  local ns=$1 conf=$2 www=${3:-}
  lab_need nginx
  LAB_NGINX_PREFIX=$(mktemp -d /tmp/lab-nginx.XXXXXX)
  LAB_TMPDIRS+=("$LAB_NGINX_PREFIX")
  mkdir -p "$LAB_NGINX_PREFIX/www"
  [ -n "$www" ] && cp -r "$www"/. "$LAB_NGINX_PREFIX/www/"
  cp "$conf" "$LAB_NGINX_PREFIX/nginx.conf"
  # nginx workers run as nobody: they must be able to read the document root.
  chmod -R a+rX "$LAB_NGINX_PREFIX"
  lab_bg "$ns" nginx -p "$LAB_NGINX_PREFIX" -c "$LAB_NGINX_PREFIX/nginx.conf" -g 'daemon off; pid nginx.pid;'
}
