#!/usr/bin/env bash
# A throwaway S3-compatible store for tests and benchmarks: a single-node Ceph cluster (one
# monitor, one memstore OSD, no manager) and radosgw on 127.0.0.1, all under DIR, with fixed test
# keys. Installs Debian's Ceph packages when missing (root). Needs root (the daemons' defaults)
# and free ports 3300, 6789, 6800-6807 on 127.0.0.1 — so one per machine at a time.
#   radosgw.sh start DIR   -> prints TRACELENS_S3_* and AWS_* lines (also written to DIR/s3.env)
#   radosgw.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?a directory for the cluster}
dir=$(cd "$dir" && pwd)
c="$dir/ceph/ceph.conf"
ACCESS=tracelens-test-access
SECRET=tracelens-test-secret-0123456789

stop_daemon() { # pid file, name
  local pf=$1 pid i
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf")
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}

case "$cmd" in
start)
  if [ "$(id -u)" != 0 ]; then
    echo "radosgw.sh: needs root (Ceph daemons)" >&2
    exit 3
  fi
  if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null ||
    ! command -v uuidgen >/dev/null; then
    echo "radosgw.sh: installing Debian's Ceph (ceph-mon ceph-osd radosgw ceph-common)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common uuid-runtime >/dev/null
  fi
  for p in 3300 6789; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "radosgw.sh: port $p is taken on 127.0.0.1 (another Ceph monitor running?)" >&2
      exit 4
    fi
  done
  mkdir -p "$dir/ceph"/{mon,osd,rgw,run,log}
  rgw_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  fsid=$(uuidgen)
  cat >"$c" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:3300,v1:127.0.0.1:6789
mon initial members = a
public network = 127.0.0.1/32
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 1
run dir = $dir/ceph/run
log file = $dir/ceph/log/\$name.log
admin socket = $dir/ceph/run/\$name.asok
pid file = $dir/ceph/run/\$name.pid
mon data = $dir/ceph/mon/\$name
osd data = $dir/ceph/osd/\$name
keyring = $dir/ceph/keyring
[client.rgw.test]
auth client required = none
ms mon client mode = crc
rgw data = $dir/ceph/rgw
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
CONF
  ceph-authtool --create-keyring "$dir/ceph/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:3300,v1:127.0.0.1:6789]" "$dir/ceph/monmap" >/dev/null
  ceph-mon -c "$c" --mkfs -i a --monmap "$dir/ceph/monmap" --keyring "$dir/ceph/keyring" 2>/dev/null
  ceph-mon -c "$c" -i a 2>/dev/null
  osd_uuid=$(uuidgen)
  osd_id=$(timeout 60 ceph -c "$c" osd create "$osd_uuid" 2>/dev/null)
  mkdir -p "$dir/ceph/osd/osd.$osd_id"
  ceph-osd -c "$c" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
  ceph-osd -c "$c" -i "$osd_id" 2>/dev/null
  for i in $(seq 1 120); do
    timeout 10 ceph -c "$c" osd stat 2>/dev/null | grep -q '1 up' && break
    sleep 0.5
  done
  radosgw -c "$c" -n client.rgw.test 2>/dev/null
  up=
  for i in $(seq 1 240); do
    if node -e "fetch('http://127.0.0.1:$rgw_port/').then(()=>process.exit(0),()=>process.exit(1))"; then up=1; break; fi
    sleep 0.25
  done
  if [ -z "$up" ]; then
    echo "radosgw.sh: the gateway did not answer on 127.0.0.1:$rgw_port; logs in $dir/ceph/log" >&2
    exit 5
  fi
  radosgw-admin -c "$c" -n client.rgw.test user create --uid=tracelens --display-name=tracelens \
    --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null 2>&1
  {
    echo "TRACELENS_S3_ENDPOINT=http://127.0.0.1:$rgw_port"
    echo "TRACELENS_S3_BUCKET=tracelens-test"
    echo "TRACELENS_S3_REGION=us-east-1"
    echo "AWS_ACCESS_KEY_ID=$ACCESS"
    echo "AWS_SECRET_ACCESS_KEY=$SECRET"
  } | tee "$dir/s3.env"
  ;;
stop)
  run="$dir/ceph/run"
  stop_daemon "$run/client.rgw.test.pid"
  for pf in "$run"/osd.*.pid; do stop_daemon "$pf"; done
  stop_daemon "$run/mon.a.pid"
  rm -rf "$dir/ceph" "$dir/s3.env"
  ;;
*)
  echo "usage: radosgw.sh start|stop DIR" >&2
  exit 2
  ;;
esac
