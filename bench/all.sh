#!/usr/bin/env bash
# Every benchmark of the project in one run, and one table of what they measured: figure, ours,
# the reference measured in the same run, the ratio, the bar, met or missed. Each benchmark prints
# its figures as lines `RESULT|figure|ours|reference|ratio|bar|met`; the table is made of those.
# Method and figures of each: docs/performance.md.
#
# Usage: bench/all.sh            (about 9 minutes on the quiet 2-core development machine, with
#                                 the release build done; 25 or more when other builds load it)
#        ONLY="startup ccrd" bench/all.sh   runs some of: startup ccrd mail-memory runbooks parser
#                                           streaming replication scale etcd
set -uo pipefail
cd "$(dirname "$0")/.."
only=${ONLY:-startup ccrd mail-memory runbooks parser streaming replication scale etcd}
large=bench/topologies/large.toml
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs one benchmark, its output shown and kept; a failing one is reported, not fatal.
run() {
  echo "=== $*" | tee -a "$log"
  if ! "$@" 2>&1 | tee -a "$log"; then
    echo "RESULT|$* failed (see its output above)|-|-|-|-|missed" | tee -a "$log"
  fi
}

cargo build --release --quiet --bins --examples
for bench in $only; do
  case "$bench" in
    startup) run bench/startup.sh; run env TOPOLOGY=$large bench/startup.sh ;;
    ccrd) run bench/ccrd.sh; run env TOPOLOGY=$large bench/ccrd.sh ;;
    mail-memory) run bench/mail-memory.sh; run env TOPOLOGY=$large bench/mail-memory.sh ;;
    runbooks) run bench/runbooks.sh ;;
    streaming) run bench/streaming.sh ;;
    etcd) run bench/etcd.sh ;;
    parser | replication | scale) run cargo bench --quiet --bench "$bench" ;;
    *) echo "unknown benchmark $bench" >&2; exit 64 ;;
  esac
done

echo
python3 - "$log" <<'PY'
import sys
rows = [line.rstrip("\n").split("|")[1:7] for line in open(sys.argv[1]) if line.startswith("RESULT|")]
head = ["figure", "ours", "reference", "ratio", "bar", "met"]
widths = [max(len(r[i]) for r in rows + [head]) for i in range(6)]
for r in [head, ["-" * w for w in widths]] + rows:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
missed = sum(r[5] == "missed" for r in rows)
print(f"\n{len(rows)} figures, {sum(r[5] == 'met' for r in rows)} bars met, {missed} missed")
PY
