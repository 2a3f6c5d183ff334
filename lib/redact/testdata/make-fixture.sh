#!/usr/bin/env bash
# Makes secrets.pcapng: fixture.cjs's traffic captured on loopback, with a packet comment and an
# injected (made-up) TLS key log, so the redaction tests see every kind of secret. Needs root
# (tcpdump), node, editcap.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
tcpdump -i lo -U -w "$tmp/raw.pcapng" --immediate-mode 'tcp port 18081 or tcp port 18082' 2>/dev/null &
pid=$!
sleep 1
node fixture.cjs
sleep 1
kill "$pid"
wait "$pid" || true
printf 'CLIENT_RANDOM %064d %096d\n' 1 2 > "$tmp/keys.txt"
editcap --inject-secrets "tls,$tmp/keys.txt" -a '1:comment that names host db-prod-7' "$tmp/raw.pcapng" secrets.pcapng
rm -rf "$tmp"
echo "wrote secrets.pcapng"
