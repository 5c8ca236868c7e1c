#!/usr/bin/env bash
# Durable deliveries, builds side by side (method in docs/performance.md, "The group commit's tail,
# builds side by side"): each ccrd binary named on the command line gets its own lab made from the
# same topology; every round runs `wrk --latency` with $CLIENTS connections posting one 1 KB message
# per request to each build in turn, then SQLite's own single-row commit rate on the same disk.
# Compare the builds round by round (medians), never across runs.
#
# Usage: bench/deliveries-ab.sh OLD/ccrd NEW/ccrd [...]   (ROUNDS=3 DURATION=5s CLIENTS=32,
#        TOPOLOGY=bench/topologies/large.toml by default; TOPOLOGY=seed for the seed lab)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
clients=${CLIENTS:-32}
topology=${TOPOLOGY:-bench/topologies/large.toml}
target=${CARGO_TARGET_DIR:-$PWD/target}
[ "$#" -ge 1 ] || { echo "usage: $0 CCRD [CCRD...]" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }
cargo build --release --quiet --bins --examples   # for examples/sqlite_commits

. bench/lib.sh
bench_work deliveries-ab

args=()
database='CCREX01\Storage Group 01\Mailbox Database 01'
if [ "$topology" = seed ]; then
  database='Mailbox Database'
else
  args=(--topology "$topology")
fi
python3 - "$database" >"$work/mail.lua" <<'PY'
import json, sys
body = json.dumps({"database": sys.argv[1], "count": 1, "sizeKb": 1})
print('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[' + body + ']]')
PY

urls=() auths=()
for i in $(seq 0 $(($# - 1))); do
  binary=${*:$((i + 1)):1}
  "$binary" --lab "$work/lab$i" --listen 127.0.0.1:0 "${args[@]}" >"$work/ccrd$i.log" 2>&1 &
  pids+=($!)
  urls+=("$(url_of "$work/ccrd$i.log")")
  auths+=("Authorization: Bearer $(cat "$work/lab$i/admin.token")")
done

printf '%-6s %-40s %10s %8s %8s %8s %6s\n' round build requests/s p50_ms p90_ms p99_ms load
for round in $(seq "$rounds"); do
  for i in $(seq 0 $(($# - 1))); do
    wrk -t2 -c"$clients" -d"$duration" --latency -H "${auths[$i]}" -s "$work/mail.lua" "${urls[$i]}/v1/lab/mail" |
      awk -v round="$round" -v build="${*:$((i + 1)):1}" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        function ms(v) { if (v ~ /us$/) { sub("us", "", v); return v / 1000 } if (v ~ /ms$/) { sub("ms", "", v); return v } sub("s", "", v); return v * 1000 }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) } /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%-6s %-40s %10.0f %8.2f %8.2f %8.2f %6s%s\n", round, build, rps, p50, p90, p99, load, bad ? "  non-2xx: " bad : "" }'
  done
  printf '%-6s %s\n' "$round" "$("$target/release/examples/sqlite_commits" "$work" 2000 | tr '\n' ' ')"
done
