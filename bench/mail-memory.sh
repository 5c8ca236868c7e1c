#!/usr/bin/env bash
# Mail statistics memory (issue 15, bar in docs/performance.md): ccrd's peak resident memory with
# 300,000 messages delivered to one database, while Get-LabMailStatistics answers from the ledger's
# counters and while -Verify counts every message again from the active copy's files.
# Method and figures: docs/performance.md.
#
# Usage: bench/mail-memory.sh       (MESSAGES=300000 BATCH=1000 SIZE_KB=1 by default)
#        TOPOLOGY=bench/topologies/large.toml bench/mail-memory.sh   on a lab made from that topology
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${MESSAGES:-300000}
batch=${BATCH:-1000}
size_kb=${SIZE_KB:-1}
target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --quiet --bins --examples   # the set every bench script builds: one build

mkdir -p "$target"
work=$(mktemp -d -p "$target" mail-memory.XXXXXX)
ccrd_pid=
cleanup() {
  [ -n "$ccrd_pid" ] && kill "$ccrd_pid" 2>/dev/null && wait "$ccrd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

estate=seed
topology=()
database=${DATABASE:-Mailbox Database}
if [ -n "${TOPOLOGY:-}" ]; then
  estate=$(basename "$TOPOLOGY" .toml)
  topology=(--topology "$TOPOLOGY")
  database=${DATABASE:-CCREX01\\Storage Group 01\\Mailbox Database 01}
fi
"$target/release/ccrd" --lab "$work/lab" --listen 127.0.0.1:0 "${topology[@]}" >"$work/ccrd.log" 2>&1 &
ccrd_pid=$!
for _ in $(seq 600); do grep -q 'listening on' "$work/ccrd.log" && break; sleep 0.05; done
url=$(grep -o 'http://[0-9.:]*' "$work/ccrd.log" | head -n 1)
auth="Authorization: Bearer $(cat "$work/lab/admin.token")"
body=$(python3 -c 'import json, sys; print(json.dumps({"database": sys.argv[1], "count": int(sys.argv[2]), "sizeKb": int(sys.argv[3])}))' "$database" "$batch" "$size_kb")
query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$database")
kb() { awk -v k="$1" '$1 == k":" { print $2 }' /proc/"$ccrd_pid"/status; }
post() { curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$2" "$url$1" >/dev/null; }
stats() { curl -sf -H "$auth" "$url/v1/lab/mail-statistics?identity=$query$1"; }

echo "ccrd on the $estate lab: $messages messages of $size_kb KB to '$database', $batch a request"
started=$(date +%s%N)
for _ in $(seq $((messages / batch))); do post /v1/lab/mail "$body"; done
post /v1/lab/settle '{"timeoutMs": 600000}'
delivered_ms=$(( ($(date +%s%N) - started) / 1000000 ))
after_mail=$(kb VmHWM)
echo "delivered and replicated in $delivered_ms ms; ccrd peak so far $((after_mail / 1024)) MB, resident $(( $(kb VmRSS) / 1024 )) MB"

t0=$(date +%s%N)
for _ in $(seq 100); do stats "" >/dev/null; done
counters_ms=$(python3 -c "print(f'{($(date +%s%N) - $t0) / 1e6 / 100:.2f}')")
counted=$(stats "")
after_counters=$(kb VmHWM)
t0=$(date +%s%N)
for _ in $(seq 3); do stats "&verify=true" >/dev/null; done
verify_ms=$(( ($(date +%s%N) - t0) / 3000000 ))
verified=$(stats "&verify=true")
after_verify=$(kb VmHWM)
echo "counters: $counted ($counters_ms ms a call)"
echo "-Verify : $verified ($verify_ms ms a call)"

python3 - "$estate" "$messages" "$after_mail" "$after_counters" "$after_verify" "$counted" "$verified" <<'PY'
import json, sys
estate, messages = sys.argv[1], int(sys.argv[2])
mail, counters, verify = (int(x) / 1024 for x in sys.argv[3:6])
counted, verified = json.loads(sys.argv[6]), json.loads(sys.argv[7])
keys = ("Accepted", "Present", "Lost", "Unavailable")
assert counted["Accepted"] == messages == counted["Present"], counted
assert [counted[k] for k in keys] == [verified[k] for k in keys], (counted, verified)
met = lambda ok: "met" if ok else "missed"
print(f"ccrd peak after delivery {mail:.1f} MB, after 100 counter reads {counters:.1f} MB, after 4 -Verify scans {verify:.1f} MB")
# Lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
print(f"RESULT|ccrd peak with {messages} messages, statistics from counters, {estate} lab|{counters:.1f} MB|-|-|<= 64 MB|{met(counters <= 64)}")
print(f"RESULT|ccrd peak with {messages} messages, after -Verify scans, {estate} lab|{verify:.1f} MB|-|-|<= 64 MB|{met(verify <= 64)}")
PY
