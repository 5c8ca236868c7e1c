#!/usr/bin/env bash
# ccrd on etcd against ccrd on SQLite, same disk, same round (bars in docs/performance.md,
# "etcd"): durable deliveries at 32 clients (group commit), the median latency of a change
# (Suspend/Resume-StorageGroupCopy, one at a time), and reads (copy status at 32 connections).
# Starts a 3-member etcd cluster on free loopback ports under the target directory (Debian's
# etcd-server) and stops every process it started, by process id, when it ends.
#
# Usage: bench/etcd.sh      (ROUNDS=3 DURATION=5s; installs wrk and etcd-server if missing)
# (To try ccrd on etcd by hand, bench/lab-cluster.sh up DIR starts a cluster and two ccrd on it.
# KEEP=1 ROUNDS=0 bench/etcd.sh does much the same in the foreground, until Ctrl+C.)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
target=${CARGO_TARGET_DIR:-$PWD/target}

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v wrk >/dev/null || $sudo apt-get install -y wrk >/dev/null
command -v etcd >/dev/null || $sudo apt-get install -y etcd-server >/dev/null
cargo build --release --quiet --bin ccrd

. bench/lib.sh
bench_work etcd-bench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
names=(m0 m1 m2)
declare -A client peer
initial=""
for m in "${names[@]}"; do
  client[$m]=$(free_port); peer[$m]=$(free_port)
  initial+="${initial:+,}$m=http://127.0.0.1:${peer[$m]}"
done
endpoints=""
for m in "${names[@]}"; do
  etcd --name "$m" --data-dir "$work/$m" \
    --listen-client-urls "http://127.0.0.1:${client[$m]}" --advertise-client-urls "http://127.0.0.1:${client[$m]}" \
    --listen-peer-urls "http://127.0.0.1:${peer[$m]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$m]}" \
    --initial-cluster "$initial" --initial-cluster-state new >"$work/$m.log" 2>&1 &
  pids+=($!)
  endpoints+="${endpoints:+,}127.0.0.1:${client[$m]}"
done
for _ in $(seq 100); do
  curl -sf -H 'Grpc-Metadata-hasleader: true' -X POST "http://127.0.0.1:${client[m0]}/v3/kv/put" \
    -d '{"key":"aGVhbHRo","value":"MQ=="}' >/dev/null && break
  sleep 0.2
done

"$target/release/ccrd" --lab "$work/sqlite-lab" --listen 127.0.0.1:0 >"$work/sqlite.log" 2>&1 &
pids+=($!)
"$target/release/ccrd" --lab "$work/etcd-lab" --listen 127.0.0.1:0 --store "etcd://$endpoints/bench" >"$work/etcd.log" 2>&1 &
pids+=($!)
declare -A url auth
url[sqlite]=$(url_of "$work/sqlite.log"); auth[sqlite]="Authorization: Bearer $(cat "$work/sqlite-lab/admin.token")"
url[etcd]=$(url_of "$work/etcd.log"); auth[etcd]="Authorization: Bearer $(cat "$work/etcd-lab/admin.token")"

cat >"$work/mail.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"database": "Mailbox Database", "count": 1, "sizeKb": 1}'
LUA
# One connection, one change at a time: suspend, resume, suspend, ... each under a request id of
# its own, as ccrsh sends them (the answer is stored with the change).
cat >"$work/change.lua" <<'LUA'
wrk.headers["Content-Type"] = "application/json"
local n = 0
local body = '{"identity": "CCREX01\\\\First Storage Group"}'
math.randomseed(os.time())
local run = string.format("%d-%d", os.time(), math.random(1000000000))
request = function()
  n = n + 1
  local path = (n % 2 == 1) and "/v1/storage-groups/suspend" or "/v1/storage-groups/resume"
  -- wrk.headers carry the token given with -H
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["x-ccrd-request-id"] = "bench-" .. run .. "-" .. n
  return wrk.format("POST", path, headers, body)
end
LUA

# requests/s, median ms, p99 ms
measure() {
  local c=$1 threads=2
  shift
  [ "$c" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$c" --latency "$@" | awk '
    function ms(v) { if (v ~ /us$/) { sub("us", "", v); return v / 1000 } if (v ~ /ms$/) { sub("ms", "", v); return v } sub("s", "", v); return v * 1000 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $5 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}

echo "round store  what                     requests/s  p50_ms  p99_ms  non-2xx"
for round in $(seq "$rounds"); do
  for store in sqlite etcd; do
    read -r r m p b < <(measure 32 -d"$duration" -H "${auth[$store]}" -s "$work/mail.lua" "${url[$store]}/v1/lab/mail")
    printf '%-5s %-6s %-24s %10s %7s %7s %8s\n' "$round" "$store" "deliveries, 32 clients" "$r" "$m" "$p" "$b" | tee -a "$work/results"
    read -r r m p b < <(measure 1 -d"$duration" -H "${auth[$store]}" -s "$work/change.lua" "${url[$store]}")
    printf '%-5s %-6s %-24s %10s %7s %7s %8s\n' "$round" "$store" "changes, one at a time" "$r" "$m" "$p" "$b" | tee -a "$work/results"
    read -r r m p b < <(measure 32 -d"$duration" -H "${auth[$store]}" "${url[$store]}/v1/storage-groups/copy-status")
    printf '%-5s %-6s %-24s %10s %7s %7s %8s\n' "$round" "$store" "copy status, 32 conns" "$r" "$m" "$p" "$b" | tee -a "$work/results"
  done
done

[ "$rounds" -gt 0 ] && python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    rnd, store, what = parts[0], parts[1], " ".join(parts[2:-4])
    rps, p50, p99, bad = map(float, parts[-4:])
    rows.setdefault((store, what), []).append((rnd, rps, p50, p99, bad))
med = statistics.median
print()
print(f"{'store / what (median of rounds)':40} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
for (store, what), v in rows.items():
    print(f"{store + ' / ' + what:40} {med(x[1] for x in v):8.0f} {med(x[2] for x in v):7.2f} {max(x[3] for x in v):7.2f}")
deliveries = med(x[1] for x in rows[("etcd", "deliveries, 32 clients")])
change = [e[2] - s[2] for e, s in zip(rows[("etcd", "changes, one at a time")], rows[("sqlite", "changes, one at a time")])]
reads = [e[1] / s[1] for e, s in zip(rows[("etcd", "copy status, 32 conns")], rows[("sqlite", "copy status, 32 conns")])]
met = lambda ok: "met" if ok else "MISSED"
print()
print(f"bar: durable deliveries on etcd >= 500/s at 32 clients: {deliveries:.0f}/s ({met(deliveries >= 500)})")
print(f"bar: median change latency on etcd <= SQLite + 3 ms: +{med(change):.2f} ms ({met(med(change) <= 3)})")
print(f"bar: reads unchanged (copy status etcd / SQLite, same round): {med(reads):.2f}")
# For bench/all.sh's table: figure, ours, the same-run reference, ratio, bar, met.
sqlite_deliveries = med(x[1] for x in rows[("sqlite", "deliveries, 32 clients")])
etcd_change = med(x[2] for x in rows[("etcd", "changes, one at a time")])
sqlite_change = med(x[2] for x in rows[("sqlite", "changes, one at a time")])
ok = lambda good: "met" if good else "missed"
print(f"RESULT|etcd: durable deliveries, 32 clients (/s)|{deliveries:.0f}|{sqlite_deliveries:.0f} on SQLite|"
      f"{deliveries / sqlite_deliveries:.2f}x|>= 500/s|{ok(deliveries >= 500)}")
print(f"RESULT|etcd: median change latency (ms)|{etcd_change:.2f}|{sqlite_change:.2f} on SQLite|"
      f"+{med(change):.2f} ms|<= SQLite + 3 ms|{ok(med(change) <= 3)}")
print(f"RESULT|etcd: copy status reads, 32 conns (ratio to SQLite)|{med(reads):.2f}x|1.00x|{med(reads):.2f}|"
      f"unchanged (>= 0.90x)|{ok(med(reads) >= 0.9)}")
PY

if [ -n "${KEEP:-}" ]; then
  echo
  echo "etcd: $endpoints"
  echo "ccrd on etcd: ${url[etcd]}  (token: $work/etcd-lab/admin.token)"
  "$target/release/ccrd" --lab "$work/second-lab" --listen 127.0.0.1:0 --store "etcd://$endpoints/bench" --without-files \
    >"$work/second.log" 2>&1 &
  pids+=($!)
  echo "a second ccrd on the same estate (--without-files): $(url_of "$work/second.log")  (token: $work/second-lab/admin.token)"
  echo "Ctrl+C stops everything."
  wait
fi
