#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and benchmarks: initdb + pg_ctl in a temp dir, loopback only, a
# free port, trust auth for one user. Installs Debian's `postgresql` when missing (root).
#   postgres.sh start DIR   -> prints TRACELENS_DATABASE_URL=... (also written to DIR/postgres.env)
#   postgres.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?a directory for the cluster}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  command -v pg_ctl >/dev/null && dirname "$(command -v pg_ctl)" && return
  return 1
}

as_owner() {
  # PostgreSQL refuses to run as root: as root, run it as the `postgres` user the package made.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if ! bin=$(pg_bin); then
    if [ "$(id -u)" != 0 ]; then
      echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql, as root)" >&2
      exit 3
    fi
    echo "postgres.sh: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(pg_bin)
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  mkdir -p "$dir/pg"
  [ "$(id -u)" = 0 ] && chmod o+x "$dir"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir/pg" && chmod 700 "$dir/pg"
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  as_owner "$bin/initdb" -D "$dir/pg/data" -U tracelens -A trust -E UTF8 --no-instructions >"$dir/pg/initdb.log" 2>&1
  as_owner "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=off -c max_connections=200" start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U tracelens tracelens
  echo "TRACELENS_DATABASE_URL=postgres://tracelens@127.0.0.1:$port/tracelens" | tee "$dir/postgres.env"
  ;;
stop)
  bin=$(pg_bin) || exit 0
  [ -d "$dir/pg/data" ] && as_owner "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/pg" "$dir/postgres.env"
  ;;
*)
  echo "usage: postgres.sh start|stop DIR" >&2
  exit 2
  ;;
esac
