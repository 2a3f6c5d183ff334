#!/usr/bin/env bash
# Starts the throwaway services the scaled share backend is tested against — PostgreSQL
# (postgres.sh) and Ceph radosgw as S3 (radosgw.sh) — under DIR, and writes DIR/env with the
# settings as `export` lines (source it). Exit 3: they cannot be started here (not root / not
# Debian); callers then skip those tests with one line.
#   start.sh DIR ; . DIR/env ; ... ; stop.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?a directory for the services}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "services: PostgreSQL + radosgw need root on Debian; not started" >&2
  exit 3
fi
trap 'echo "services: start failed; stopping what started" >&2; "$here/stop.sh" "$dir"' ERR
"$here/postgres.sh" start "$dir" >/dev/null
"$here/radosgw.sh" start "$dir" >/dev/null
trap - ERR
sed 's/^/export /' "$dir/postgres.env" "$dir/s3.env" >"$dir/env"
cat "$dir/env"
