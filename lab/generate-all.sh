#!/usr/bin/env bash
# Regenerates the captures of every lab scenario (lab/*/generate.sh), one after the other (they
# use fixed addresses in their own network namespaces and measure time, so running them in
# parallel would only blur their timings). Needs root; takes about 8 minutes. Set ONLY="a b" to
# run some scenarios only. Exit status: the number of scenarios that failed.
set -uo pipefail
cd "$(dirname "$0")"
failed=()
for g in */generate.sh; do
  name=${g%/generate.sh}
  [ "$name" = _lib ] && continue
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
  echo "=== $name ($(date -u +%H:%M:%S))" >&2
  start=$SECONDS
  if bash "$g"; then
    echo "=== $name ok in $((SECONDS - start)) s" >&2
  else
    echo "=== $name FAILED (exit $?)" >&2
    failed+=("$name")
  fi
done
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}" >&2
exit ${#failed[@]}
