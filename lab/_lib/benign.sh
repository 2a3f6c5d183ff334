#!/usr/bin/env bash
# Shared bits of the lab/benign-* generators: the namespace prefix of their topologies, the
# Python that has requests/httpx/h2 (Debian's, not a pyenv shim), the repository's node_modules
# for the Node programs (@grpc/grpc-js, ws), and a summary of what tracelens makes of a capture
# (connections, streams, exchanges, findings by kind and severity) for observed.txt / README.
#
#   source "$(dirname "$0")/../_lib/benign.sh"     # also sources netns.sh
set -euo pipefail
LAB_PREFIX=${LAB_PREFIX:-tlb}
BENIGN_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENIGN_LIB/../.." && pwd)
# shellcheck source=netns.sh
source "$BENIGN_LIB/netns.sh"
PY=/usr/bin/python3
export NODE_PATH="$REPO_ROOT/node_modules"

# benign_summary FILE...: one line per capture: packets (tcpdump), connections, HTTP/2 streams,
# HTTP/1 exchanges and the findings tracelens reports, grouped by severity and kind.
benign_summary() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    node "$REPO_ROOT/bin/tracelens.mjs" analyze "$f" --json |
      jq -r --arg f "$(basename "$f")" '
        "\($f): connections \(.connections|length), streams \(.streams|length), exchanges \(.exchanges|length); findings: " +
        ([.findings[] | "\(.severity) \(.kind)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", ") | if . == "" then "none" else . end)'
  done
}
