#!/usr/bin/env bash
# A local ccrd cluster to try ccrd on etcd by hand: a 3-member etcd cluster on free loopback
# ports and two ccrd sharing one estate in it — `a` holds the lab's files (mail, moves, seeds,
# replication), `b` runs with --without-files (reads and the changes that touch no files) — all
# under DIR, in the background, until `down`. Needs Debian's etcd-server (installed when
# missing) and ccrd (on PATH, or target/release/ccrd, or CCRD=PATH). docs/etcd.md, "Trying it".
#
# Usage: bench/lab-cluster.sh up DIR       start everything, wait until both ccrd answer, say how to reach them
#        bench/lab-cluster.sh status DIR   what runs, and each ccrd's estate version
#        bench/lab-cluster.sh down DIR     stop every process `up` started (by its process id)
# DIR keeps the etcd data, both labs (tokens, audit trails, a's node files) and the logs: `up`
# on the same DIR after `down` starts the same estate again. Delete DIR to start over.
set -euo pipefail

usage() { echo "usage: $0 up|status|down DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
pids="$dir/pids"

ccrd=${CCRD:-}
if [ -z "$ccrd" ]; then
  if command -v ccrd >/dev/null; then
    ccrd=$(command -v ccrd)
  else
    ccrd="$(cd "$(dirname "$0")/.." && pwd)/target/release/ccrd"
  fi
fi

# Whether process $1 runs (a zombie, killed and not yet reaped by its new parent, does not).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }
running() { [ -f "$pids" ] && while read -r _ pid; do alive "$pid" && return 0; done <"$pids"; return 1; }

# The address a ccrd printed in its log ("ccrd listening on URL").
url_of() {
  for _ in $(seq 600); do
    grep -q 'listening on' "$1" 2>/dev/null && break
    sleep 0.05
  done
  grep -o 'listening on http://[0-9.:]*' "$1" | head -n 1 | cut -d' ' -f3
}

# GET /v1/info as the lab's administrator: the estate version, or nothing.
version_of() {
  curl -sf -m 5 -H "Authorization: Bearer $(cat "$dir/$1/admin.token")" "$2/v1/info" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["EstateVersion"])' 2>/dev/null || true
}

case "$action" in
up)
  if running; then echo "already running under $dir (bench/lab-cluster.sh down $dir stops it)" >&2; exit 1; fi
  [ -x "$ccrd" ] || { echo "no ccrd at $ccrd: cargo install --path . (or cargo build --release), or CCRD=PATH" >&2; exit 1; }
  if ! command -v etcd >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing etcd-server" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  fi
  : >"$pids"
  # The members' ports are chosen once and kept in DIR, so the cluster restarts on its data.
  if [ ! -f "$dir/ports" ]; then
    python3 -c 'import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' >"$dir/ports"
    state=new
  else
    state=existing
  fi
  read -r -a port <"$dir/ports"
  initial="m0=http://127.0.0.1:${port[1]},m1=http://127.0.0.1:${port[3]},m2=http://127.0.0.1:${port[5]}"
  endpoints="127.0.0.1:${port[0]},127.0.0.1:${port[2]},127.0.0.1:${port[4]}"
  for i in 0 1 2; do
    client=${port[$((2 * i))]} peer=${port[$((2 * i + 1))]}
    setsid etcd --name "m$i" --data-dir "$dir/etcd/m$i" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "$initial" --initial-cluster-state "$state" --initial-cluster-token ccrd-lab-cluster \
      --auto-compaction-mode periodic --auto-compaction-retention 1h \
      </dev/null >"$dir/etcd-m$i.log" 2>&1 &
    echo "etcd-m$i $!" >>"$pids"
  done
  for _ in $(seq 150); do
    curl -sf -m 2 -H 'Grpc-Metadata-hasleader: true' -X POST "http://127.0.0.1:${port[0]}/v3/kv/put" \
      -d '{"key":"bGFiLWNsdXN0ZXI=","value":"MQ=="}' >/dev/null && break
    sleep 0.2
  done
  store="etcd://$endpoints/lab"
  setsid "$ccrd" --lab "$dir/a" --listen 127.0.0.1:0 --store "$store" </dev/null >"$dir/ccrd-a.log" 2>&1 &
  echo "ccrd-a $!" >>"$pids"
  url_a=$(url_of "$dir/ccrd-a.log")
  setsid "$ccrd" --lab "$dir/b" --listen 127.0.0.1:0 --store "$store" --without-files \
    </dev/null >"$dir/ccrd-b.log" 2>&1 &
  echo "ccrd-b $!" >>"$pids"
  url_b=$(url_of "$dir/ccrd-b.log")
  version_a=$(version_of a "$url_a")
  version_b=$(version_of b "$url_b")
  if [ -z "$url_a" ] || [ -z "$url_b" ] || [ -z "$version_a" ] || [ "$version_a" != "$version_b" ]; then
    echo "the cluster did not come up (logs in $dir: etcd-m*.log, ccrd-a.log, ccrd-b.log):" >&2
    tail -n 5 "$dir"/ccrd-*.log >&2 || true
    "$0" down "$dir" >/dev/null
    exit 1
  fi
  printf 'store=%s\na=%s\nb=%s\n' "$store" "$url_a" "$url_b" >"$dir/urls"
  cat <<EOF
A local ccrd cluster is up under $dir (estate version $version_a):
  etcd:                      $endpoints   (estate 'lab')
  ccrd a (holds the files):  $url_a   token: $dir/a/admin.token
  ccrd b (--without-files):  $url_b   token: $dir/b/admin.token
Try:
  ccrsh --server $url_a --token "\$(cat $dir/a/admin.token)"
  ccrsh --server $url_b --token "\$(cat $dir/b/admin.token)"
A change through one shows at once through the other. Stop it: $0 down $dir
EOF
  ;;
status)
  [ -f "$pids" ] || { echo "nothing was started under $dir"; exit 1; }
  while read -r name pid; do
    if alive "$pid"; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done <"$pids"
  if [ -f "$dir/urls" ]; then
    for lab in a b; do
      url=$(grep "^$lab=" "$dir/urls" | cut -d= -f2-)
      echo "ccrd $lab at $url: estate version $(version_of "$lab" "$url")"
    done
  fi
  ;;
down)
  [ -f "$pids" ] || { echo "nothing was started under $dir"; exit 0; }
  # The ccrd first (a clean shutdown writes what is pending), then the members.
  for name in ccrd-b ccrd-a etcd-m2 etcd-m1 etcd-m0; do
    pid=$(awk -v n="$name" '$1 == n { print $2 }' "$pids")
    [ -n "$pid" ] || continue
    alive "$pid" || continue
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$pids" "$dir/urls"
  echo "stopped (data kept under $dir)"
  ;;
*) usage ;;
esac
