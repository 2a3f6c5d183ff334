#!/usr/bin/env bash
# Shared helpers for samples/*/generate.sh. Source it; paths are relative to the caller.
set -euo pipefail

# need_tools tcpdump tshark ... : apt-get install the Debian packages that provide missing commands.
need_tools() {
  local missing=()
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 && continue
    case "$t" in
      go) missing+=(golang-go) ;;
      nghttp) missing+=(nghttp2-client) ;;
      *) missing+=("$t") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  command -v node >/dev/null || { echo "node (>= 16.17) is required" >&2; exit 1; }
}

# start_capture FILE FILTER [MAX_SECONDS]: tcpdump on loopback, packet-buffered, bounded in time.
start_capture() {
  local file=$1 filter=$2 max=${3:-60}
  rm -f "$file"
  TCPDUMP_LOG=$(mktemp)
  timeout -s INT "$max" tcpdump -i lo --immediate-mode -U -Z root -w "$file" "$filter" 2>"$TCPDUMP_LOG" &
  TCPDUMP_PID=$!
  # wait until tcpdump is listening
  for _ in $(seq 1 50); do
    grep -q "listening on" "$TCPDUMP_LOG" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
}

# stop_capture: let the last packets arrive, then SIGINT tcpdump (flushes the file) and wait for it.
stop_capture() {
  # --immediate-mode hands packets over at once; the pause lets the last ones reach the file
  sleep 1.5
  kill -INT "$TCPDUMP_PID" 2>/dev/null || true
  wait "$TCPDUMP_PID" 2>/dev/null || true
  cat "$TCPDUMP_LOG" >&2 || true
  rm -f "$TCPDUMP_LOG"
}
