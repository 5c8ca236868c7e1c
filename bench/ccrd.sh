#!/usr/bin/env bash
# ccrd benchmark (bars in docs/performance.md): read endpoints against a bare axum handler measured in
# the same run, durable mutating calls per second, and ccrd's resident memory on the seed lab.
# Method and figures: docs/performance.md.
#
# Usage: bench/ccrd.sh     (ROUNDS=3 DURATION=10s CONNECTIONS=32 by default; installs wrk if missing)
#
# Each round also reads copy status while the status page is open (one live stream signed in)
# and /metrics is scraped every second, and, with CCRD_BASELINE=PATH (a ccrd binary built from
# an older commit), reads the same endpoints from that build on its own lab in the same round.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }
cargo build --release --quiet --bin ccrd --example bare_axum
release=${CARGO_TARGET_DIR:-target}/release

work=$(mktemp -d)
pids=()
# Stops the servers (SIGTERM, then SIGKILL for any still there) and removes the lab.
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Prints the URL a server wrote to its log once it listens.
url_of() {
  for _ in $(seq 200); do
    if grep -q 'listening on' "$1"; then break; fi
    sleep 0.05
  done
  grep -o 'http://[0-9.:]*' "$1" | head -n 1
}

"$release/examples/bare_axum" >"$work/bare.log" 2>&1 &
pids+=($!)
"$release/ccrd" --lab "$work/lab" --listen 127.0.0.1:0 >"$work/ccrd.log" 2>&1 &
ccrd_pid=$!
pids+=($ccrd_pid)
bare=$(url_of "$work/bare.log")
ccrd=$(url_of "$work/ccrd.log")
token=$(cat "$work/lab/admin.token")
auth="Authorization: Bearer $token"
if [ -n "${CCRD_BASELINE:-}" ]; then
  "$CCRD_BASELINE" --lab "$work/baseline-lab" --listen 127.0.0.1:0 >"$work/baseline.log" 2>&1 &
  pids+=($!)
  baseline=$(url_of "$work/baseline.log")
  baseline_auth="Authorization: Bearer $(cat "$work/baseline-lab/admin.token")"
fi

# Reads while someone watches: a signed-in status page stream and a scrape every second.
watched() {
  local jar="$work/cookies" watchers=()
  curl -s -c "$jar" -o /dev/null --data-urlencode "token=$(cat "$work/lab/viewer.token")" "$ccrd/login"
  curl -s -N -b "$jar" "$ccrd/status/stream" >/dev/null &
  watchers+=($!)
  (while true; do curl -s -o /dev/null -H "Authorization: Bearer $(cat "$work/lab/metrics.token")" "$ccrd/metrics"; sleep 1; done) &
  watchers+=($!)
  measure -H "$auth" "$ccrd/v1/storage-groups/copy-status"
  kill "${watchers[@]}" 2>/dev/null || true
  wait "${watchers[@]}" 2>/dev/null || true
}

cat >"$work/mail.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"database":"Mailbox Database","count":1,"sizeKb":1}'
LUA

# Prints "requests/s p99(ms)" of one wrk run.
measure() {
  wrk -t2 -c"$connections" -d"$duration" --latency "$@" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 }; p99 = v }
    END { printf "%.0f %.2f\n", rps, p99 }'
}

printf '%-6s %-28s %12s %10s\n' round target requests/s p99_ms
for round in $(seq "$rounds"); do
  read -r r p < <(measure "$bare/")
  printf '%-6s %-28s %12s %10s\n' "$round" "bare axum" "$r" "$p"
  read -r r p < <(measure -H "$auth" "$ccrd/v1/clustered-mailbox-servers/status")
  printf '%-6s %-28s %12s %10s\n' "$round" "cms status" "$r" "$p"
  read -r r p < <(measure -H "$auth" "$ccrd/v1/storage-groups/copy-status")
  printf '%-6s %-28s %12s %10s\n' "$round" "copy status" "$r" "$p"
  read -r r p < <(watched)
  printf '%-6s %-28s %12s %10s\n' "$round" "copy status, page + scrapes" "$r" "$p"
  if [ -n "${baseline:-}" ]; then
    read -r r p < <(measure -H "$baseline_auth" "$baseline/v1/clustered-mailbox-servers/status")
    printf '%-6s %-28s %12s %10s\n' "$round" "cms status (baseline)" "$r" "$p"
    read -r r p < <(measure -H "$baseline_auth" "$baseline/v1/storage-groups/copy-status")
    printf '%-6s %-28s %12s %10s\n' "$round" "copy status (baseline)" "$r" "$p"
  fi
  read -r r p < <(measure -H "$auth" -s "$work/mail.lua" "$ccrd/v1/lab/mail")
  printf '%-6s %-28s %12s %10s\n' "$round" "deliver 1 message (durable)" "$r" "$p"
done
echo "ccrd peak resident memory: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' /proc/"$ccrd_pid"/status)"
