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

# benign_tracelens ARGS...: the tracelens CLI run from the TypeScript sources (through tsx), not
# from dist/ — a bundle left over from an earlier build would measure stale detectors.
benign_tracelens() {
  (cd "$REPO_ROOT" && node --input-type=module -e "
    import { register } from 'tsx/esm/api';
    register();
    const { main } = await import('./cli/tracelens.ts');
    process.exitCode = await main(process.argv.slice(1));
  " -- "$@")
}

# benign_summary FILE...: one line per capture: packets (tcpdump), connections, HTTP/2 streams,
# HTTP/1 exchanges and the findings tracelens reports, grouped by severity and kind.
benign_summary() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    benign_tracelens analyze "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" --json |
      jq -r --arg f "$(basename "$f")" '
        "\($f): connections \(.connections|length), streams \(.streams|length), exchanges \(.exchanges|length); findings: " +
        ([.findings[] | "\(.severity) \(.kind)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", ") | if . == "" then "none" else . end)'
  done
}

# benign_rate [GLOB]: findings at warning or error per 10 000 HTTP/2 streams + HTTP/1
# exchanges, over every capture of every lab scenario (folder names matching GLOB, default all)
# whose expected.json says "benign": true (target 0). One line per capture, then the total.
#   bash -c 'source lab/_lib/benign.sh; benign_rate "benign-*"'
benign_rate() {
  local exp dir cap line units=0 bad=0
  for exp in "$REPO_ROOT"/lab/${1:-*}/expected.json; do
    [ "$(jq -r .benign "$exp")" = true ] || continue
    dir=$(dirname "$exp")
    for cap in $(jq -r '.captures | keys[]' "$exp"); do
      local keylog
      keylog=$(jq -r --arg c "$cap" '.captures[$c].keylog // empty' "$exp")
      line=$(benign_tracelens analyze "$dir/$cap" ${keylog:+--keylog "$dir/$keylog"} --json |
        jq -r '"\((.streams|length) + (.exchanges|length)) \([.findings[]|select(.severity!="info")]|length) \([.findings[]|select(.severity!="info")|"\(.severity) \(.kind)"]|group_by(.)|map("\(.[0]) x\(length)")|join(", "))"')
      set -- $line
      units=$((units + $1))
      bad=$((bad + $2))
      printf '%s/%s: %s streams+exchanges, %s warning/error %s\n' "$(basename "$dir")" "$cap" "$1" "$2" "${*:3}"
    done
  done
  awk -v u="$units" -v b="$bad" 'BEGIN { printf "total: %d streams+exchanges, %d warning/error findings = %.2f per 10 000\n", u, b, (u ? b * 10000 / u : 0) }'
}
