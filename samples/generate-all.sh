#!/usr/bin/env bash
# Regenerates every sample capture (run as root: tcpdump on lo; connect-refused-timeout also adds
# and removes a temporary iptables rule). Each scenario takes at most ~15 s.
set -euo pipefail
cd "$(dirname "$0")"
SCENARIOS=(idle-reset-nat idle-reset-silent-rst deadline-cut close-wait-leak http1-socket-swap
  h2-empty-data-end-stream h2-rule-violations healthy-http1 healthy-h2c connect-refused-timeout)
for s in "${SCENARIOS[@]}"; do
  echo "=== $s"
  "./$s/generate.sh"
done
