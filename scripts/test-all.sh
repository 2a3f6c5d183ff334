#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine and runs them all:
# system packages (chromium for the browser tests, tshark for live differential tests), npm packages, type check, lint, unit and
# real-capture tests, the production build, and the browser tests against it.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# tshark: the live differential tests compare every packet's TCP analysis and reassembled bytes.
command -v tshark >/dev/null || need_apt+=(tshark)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (run as root or: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

echo "== npm ci"
# The lock lists every platform's optional binaries (@next/swc-*, @tailwindcss/oxide-*,
# @rollup/rollup-*), so the exact install works on Linux, macOS and Windows alike.
npm ci --no-audit --no-fund --loglevel=error

echo "== type check"
npx tsc --noEmit -p .

echo "== lint and format"
npx eslint . --max-warnings=0
npx prettier --check . --log-level warn

echo "== build"
npm run build

echo "== unit, real-capture and sample tests"
npx vitest run

echo "== browser tests"
npm run test:browser

echo "== API tests against the built server"
node tests/server/run.mjs
node tests/server/hardening.mjs

echo "== sharing and compare browser tests"
node tests/browser/share.mjs
node tests/browser/share-document.mjs
node tests/browser/redact.mjs
node tests/browser/compare.mjs
node tests/browser/packets.mjs
node tests/browser/follow.mjs
node tests/browser/correlate.mjs

echo "== the worker's result in parts equals the CLI's analysis"
node tests/browser/transfer.mjs
node tests/browser/threads.mjs   # 1 analysis worker = 3 (shard workers): the same trace

echo "== the share server on PostgreSQL + S3: a throwaway PostgreSQL and Ceph radosgw (scripts/services)"
# The same API and sharing tests as above, then replicas and crashes (tests/server/scale.mjs).
services_dir=$(mktemp -d)
services_rc=0
scripts/services/start.sh "$services_dir" >/dev/null || services_rc=$?
if [ "$services_rc" = 0 ]; then
  trap 'scripts/services/stop.sh "$services_dir"; rm -rf "$services_dir"' EXIT
  (
    set -a
    . "$services_dir/env"
    set +a
    npx vitest run lib/store/pg-store.test.ts
    node tests/server/run.mjs
    node tests/server/hardening.mjs
    node tests/server/scale.mjs
    node tests/browser/share.mjs
    node tests/browser/redact.mjs
  )
elif [ "$services_rc" = 3 ] && [ "${TRACELENS_REQUIRE_SERVICES:-}" != 1 ]; then
  echo "PostgreSQL + S3 tests skipped: the services need root on Debian"
else
  echo "the PostgreSQL + S3 services did not start (exit $services_rc)" >&2
  exit 1
fi
