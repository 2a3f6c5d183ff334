#!/usr/bin/env bash
# Stops what start.sh started under DIR and removes their data.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?the directory given to start.sh}
"$here/radosgw.sh" stop "$dir"
"$here/postgres.sh" stop "$dir"
rm -f "$dir/env"
