#!/usr/bin/env bash
# Streaming pipeline benchmark (issue 12's bars, docs/performance.md): ccrsh's
#   1..1000000 | Where-Object { $_ % 2 } | Measure-Object
# against nushell's equivalent, `seq 1 1000000 | where $it mod 2 == 1 | length`, in the same
# run: peak RSS (bar: ccrsh <= nu) and time (bar: ccrsh <= 0.7 x nu). Rounds alternate the two
# shells; each round measures wall time and CPU time (user + system) with /usr/bin/time, and
# the figures are medians over the rounds. CPU time is the figure that holds on a loaded
# machine (both are single-threaded here); wall time is printed beside it.
#
# Usage: bench/streaming.sh           (installs the npm package nushell if missing)
#        ROUNDS=9 CCRSH=path/to/ccrsh bench/streaming.sh
set -euo pipefail
cd "$(dirname "$0")/.."

nu_dir=${NU_DIR:-$HOME/.cache/ccrsh-bench/nushell}
if [ ! -x "$nu_dir/node_modules/.bin/nu" ]; then
  mkdir -p "$nu_dir"
  (cd "$nu_dir" && npm install --no-save --silent nushell >/dev/null)
fi
nu=$(find "$nu_dir/node_modules/@nushell" -path '*/bin/nu' -type f | head -n 1)
if [ -n "${CCRSH:-}" ]; then
  ccrsh=$(realpath "$CCRSH")
else
  cargo build --release --quiet --bins --examples   # the set every bench script builds: one build
  ccrsh="${CARGO_TARGET_DIR:-$PWD/target}/release/ccrsh"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CCRSH_LAB="$work/lab" NO_COLOR=1

ours='1..1000000 | Where-Object { $_ % 2 } | Measure-Object'
theirs='seq 1 1000000 | where $it mod 2 == 1 | length'
# Both must give the same count before anything is timed.
"$ccrsh" -NoProfile -c "($ours).Count" | grep -qx 500000
"$nu" --no-config-file -c "$theirs" | grep -qx 500000

for round in $(seq "${ROUNDS:-5}"); do
  /usr/bin/time -f "ccrsh %e %U %S %M" -a -o "$work/times" "$ccrsh" -NoProfile -c "$ours" >/dev/null
  /usr/bin/time -f "nu %e %U %S %M" -a -o "$work/times" "$nu" --no-config-file -c "$theirs" >/dev/null
done

python3 - "$work/times" "$("$nu" --version)" <<'PY'
import statistics, sys
rows = {"ccrsh": [], "nu": []}
for line in open(sys.argv[1]):
    name, wall, user, system, rss = line.split()
    rows[name].append((float(wall), float(user) + float(system), int(rss) / 1024))
med = {name: [statistics.median(r[i] for r in rs) for i in range(3)] for name, rs in rows.items()}
(cw, cc, cr), (nw, nc, nr) = med["ccrsh"], med["nu"]
print(f"nushell {sys.argv[2]}, {len(rows['ccrsh'])} rounds, medians")
print(f"ccrsh  wall {cw:6.2f} s  cpu {cc:6.2f} s  peak RSS {cr:5.1f} MB")
print(f"nu     wall {nw:6.2f} s  cpu {nc:6.2f} s  peak RSS {nr:5.1f} MB")
print(f"ratio  wall {cw / nw:6.2f}    cpu {cc / nc:6.2f}    RSS {cr / nr:.2f}")
met = lambda ok: "met" if ok else "missed"
# Lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
print(f"RESULT|1..1e6 into Where-Object and Measure-Object, CPU time|{cc:.2f} s|nu {nc:.2f} s|{cc / nc:.2f}|<= 0.7 x nu|{met(cc / nc <= 0.7)}")
print(f"RESULT|1..1e6 into Where-Object and Measure-Object, wall time|{cw:.2f} s|nu {nw:.2f} s|{cw / nw:.2f}|<= 0.7 x nu|{met(cw / nw <= 0.7)}")
print(f"RESULT|1..1e6 into Where-Object and Measure-Object, peak RSS|{cr:.1f} MB|nu {nr:.1f} MB|{cr / nr:.2f}|<= nu|{met(cr <= nr)}")
PY
