#!/usr/bin/env bash
# ccrd benchmark (bars in docs/performance.md): read endpoints against a bare axum handler measured in
# the same run; durable deliveries at 1 to 32 concurrent clients (group commit) against SQLite's own
# fsync'd single-row commit rate on the same disk in the same round; ccrd's resident memory.
# Method and figures: docs/performance.md.
#
# Usage: bench/ccrd.sh     (ROUNDS=3 DURATION=10s CONNECTIONS=32 CLIENTS="1 2 4 8 16 32"
#                           DELIVERY_DURATION=5s by default; installs wrk if missing)
#        TOPOLOGY=bench/topologies/large.toml bench/ccrd.sh   on a lab made from that topology
#        (deliveries then go to CCREX01\Storage Group 01\Mailbox Database 01; DATABASE=... overrides)
#
# Each round also reads copy status while the status page is open (one live stream signed in)
# and /metrics is scraped every second, and, with CCRD_BASELINE=PATH (a ccrd binary built from
# an older commit), reads the same endpoints from that build on its own lab in the same round.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
clients=${CLIENTS:-1 2 4 8 16 32}
delivery_duration=${DELIVERY_DURATION:-5s}
target=${CARGO_TARGET_DIR:-$PWD/target}

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }
# The same targets as every bench script, so they share one build (examples bring dev-dependency
# features; building a different set rebuilds the library).
cargo build --release --quiet --bins --examples

. bench/lib.sh
bench_work ccrd-bench   # the disk ccrd writes on, for SQLite's reference too


estate=seed
topology=()
database=${DATABASE:-Mailbox Database}
if [ -n "${TOPOLOGY:-}" ]; then
  estate=$(basename "$TOPOLOGY" .toml)
  topology=(--topology "$TOPOLOGY")
  database=${DATABASE:-CCREX01\\Storage Group 01\\Mailbox Database 01}
fi

"$target/release/examples/bare_axum" >"$work/bare.log" 2>&1 &
pids+=($!)
"$target/release/ccrd" --lab "$work/lab" --listen 127.0.0.1:0 "${topology[@]}" >"$work/ccrd.log" 2>&1 &
ccrd_pid=$!
pids+=($ccrd_pid)
bare=$(url_of "$work/bare.log")
ccrd=$(url_of "$work/ccrd.log")
token=$(cat "$work/lab/admin.token")
auth="Authorization: Bearer $token"
if [ -n "${CCRD_BASELINE:-}" ]; then
  "$CCRD_BASELINE" --lab "$work/baseline-lab" --listen 127.0.0.1:0 "${topology[@]}" >"$work/baseline.log" 2>&1 &
  pids+=($!)
  baseline=$(url_of "$work/baseline.log")
  baseline_auth="Authorization: Bearer $(cat "$work/baseline-lab/admin.token")"
fi

python3 - "$database" >"$work/mail.lua" <<'PY'
import json, sys
body = json.dumps({"database": sys.argv[1], "count": 1, "sizeKb": 1})
print('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[' + body + ']]')
PY

# Prints "requests/s p99(ms)" of one wrk run; the connections first.
measure() {
  local c=$1 threads=2
  shift
  [ "$c" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$c" --latency "$@" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 }; p99 = v }
    END { printf "%.0f %.2f\n", rps, p99 }'
}

# Reads while someone watches: a signed-in status page stream and a scrape every second.
watched() {
  local jar="$work/cookies" watchers=()
  curl -s -c "$jar" -o /dev/null --data-urlencode "token=$(cat "$work/lab/viewer.token")" "$ccrd/login"
  curl -s -N -b "$jar" "$ccrd/status/stream" >/dev/null &
  watchers+=($!)
  (while true; do curl -s -o /dev/null -H "Authorization: Bearer $(cat "$work/lab/metrics.token")" "$ccrd/metrics"; sleep 1; done) &
  watchers+=($!)
  measure "$connections" -d"$duration" -H "$auth" "$ccrd/v1/storage-groups/copy-status"
  kill "${watchers[@]}" 2>/dev/null || true
  wait "${watchers[@]}" 2>/dev/null || true
}

# Every figure also goes to $work/results as "round target requests/s p99".
record() {
  printf '%-6s %-34s %12s %10s\n' "$1" "$2" "$3" "$4"
  printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >>"$work/results"
}

echo "ccrd on the $estate lab; deliveries to '$database'"
printf '%-6s %-34s %12s %10s\n' round target requests/s p99_ms
for round in $(seq "$rounds"); do
  read -r r p < <(measure "$connections" -d"$duration" "$bare/")
  record "$round" "bare axum" "$r" "$p"
  read -r r p < <(measure "$connections" -d"$duration" -H "$auth" "$ccrd/v1/clustered-mailbox-servers/status")
  record "$round" "cms status" "$r" "$p"
  read -r r p < <(measure "$connections" -d"$duration" -H "$auth" "$ccrd/v1/storage-groups/copy-status")
  record "$round" "copy status" "$r" "$p"
  read -r r p < <(watched)
  record "$round" "copy status, page + scrapes" "$r" "$p"
  if [ -n "${baseline:-}" ]; then
    read -r r p < <(measure "$connections" -d"$duration" -H "$baseline_auth" "$baseline/v1/clustered-mailbox-servers/status")
    record "$round" "cms status (baseline)" "$r" "$p"
    read -r r p < <(measure "$connections" -d"$duration" -H "$baseline_auth" "$baseline/v1/storage-groups/copy-status")
    record "$round" "copy status (baseline)" "$r" "$p"
  fi
  for c in $clients; do
    read -r r p < <(measure "$c" -d"$delivery_duration" -H "$auth" -s "$work/mail.lua" "$ccrd/v1/lab/mail")
    record "$round" "deliveries, $c clients" "$r" "$p"
  done
  read -r _ _ _ r _ _ _ _ p _ < <("$target/release/examples/sqlite_commits" "$work" 2000)
  record "$round" "sqlite single-row commits" "${r%/s}" "$p"
done
peak=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/"$ccrd_pid"/status)
echo "ccrd peak resident memory: $peak MB"

python3 - "$work/results" "$estate" "$peak" "$clients" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("|") for line in open(sys.argv[1])]
estate, peak, clients = sys.argv[2], float(sys.argv[3]), sys.argv[4].split()
by = {}
for rnd, target, rps, p99 in rows:
    by.setdefault(target, {})[rnd] = (float(rps), float(p99))
rounds = sorted(by["bare axum"])
med = lambda xs: statistics.median(xs)
def ratio(target, reference):
    return med([by[target][r][0] / by[reference][r][0] for r in rounds])
met = lambda ok: "met" if ok else "missed"
print()
print(f"{'target (median of ' + str(len(rounds)) + ' rounds)':36} {'requests/s':>11} {'p99 ms':>8}  ratio")
for target in by:
    rps = med([v[0] for v in by[target].values()])
    p99 = max(v[1] for v in by[target].values())
    extra = ""
    if target in ("cms status", "copy status", "copy status, page + scrapes") or "(baseline)" in target:
        extra = f"{ratio(target, 'bare axum'):.2f} of bare axum"
    elif target.startswith("deliveries"):
        extra = f"{ratio(target, 'sqlite single-row commits'):.2f} of SQLite's commits"
    print(f"{target:36} {rps:11.0f} {p99:8.2f}  {extra}")
print()
# Lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
bare = med([by["bare axum"][r][0] for r in rounds])
sqlite = med([by["sqlite single-row commits"][r][0] for r in rounds])
# The read bars are the seed estate's; on a larger one the same endpoints answer for every
# server and copy (10 and 500 objects on the large estate), shown without a bar.
seed = estate == "seed"
for target in ("cms status", "copy status"):
    rps, p99 = med([by[target][r][0] for r in rounds]), max(by[target][r][1] for r in rounds)
    q = ratio(target, "bare axum")
    bar, verdict = (">= 0.5", met(q >= 0.5)) if seed else ("-", "-")
    print(f"RESULT|{target}, {estate} lab: requests/s at 32 connections|{rps:.0f}/s|{bare:.0f}/s bare axum|{q:.2f}|{bar}|{verdict}")
    bar, verdict = ("<= 5 ms", met(p99 <= 5)) if seed else ("-", "-")
    print(f"RESULT|{target}, {estate} lab: p99 at 32 connections|{p99:.2f} ms|-|-|{bar}|{verdict}")
top = f"deliveries, {clients[-1]} clients"
rps, p99 = med([by[top][r][0] for r in rounds]), max(by[top][r][1] for r in rounds)
q = ratio(top, "sqlite single-row commits")
print(f"RESULT|durable {top}, {estate} lab|{rps:.0f}/s|{sqlite:.0f}/s SQLite commits|{q:.2f}|>= 0.5|{met(q >= 0.5)}")
print(f"RESULT|durable {top}, {estate} lab: p99|{p99:.2f} ms|-|-|<= 10 ms|{met(p99 <= 10)}")
print(f"RESULT|ccrd peak resident memory, {estate} lab, after the run|{peak:.1f} MB|-|-|<= 64 MB|{met(peak <= 64)}")
PY
