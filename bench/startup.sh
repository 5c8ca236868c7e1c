#!/usr/bin/env bash
# Start-up benchmark (bars in docs/performance.md): `ccrsh -NoProfile -c 'Get-ClusteredMailboxServerStatus CCREX01'`
# on the embedded lab, against `nu --no-config-file -c 1` measured in the same run, plus the
# peak memory of that ccrsh run. Method and figures: docs/performance.md.
#
# Usage: bench/startup.sh            (installs hyperfine and the npm package nushell if missing)
#        TOPOLOGY=bench/topologies/large.toml bench/startup.sh   the same on a lab made from that
#        topology (by ccrd, shut down cleanly) instead of the seed lab
#        CCRSH=path/to/ccrsh bench/startup.sh   measures that binary instead of building one
#        (bench/release-profile.sh uses this to compare release-profile settings)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null || sudo apt-get install -y hyperfine >/dev/null; }
nu_dir=${NU_DIR:-$HOME/.cache/ccrsh-bench/nushell}
if [ ! -x "$nu_dir/node_modules/.bin/nu" ]; then
  mkdir -p "$nu_dir"
  (cd "$nu_dir" && npm install --no-save --silent nushell >/dev/null)
fi
nu_wrapper="$nu_dir/node_modules/.bin/nu"
nu_native=$(find "$nu_dir/node_modules/@nushell" -path '*/bin/nu' -type f | head -n 1)

if [ -n "${CCRSH:-}" ]; then
  ccrsh=$(realpath "$CCRSH")
else
  cargo build --release --quiet --bins --examples   # the set every bench script builds: one build
  ccrsh="${CARGO_TARGET_DIR:-$PWD/target}/release/ccrsh"
fi
export CCRSH_LAB="$work/lab" NO_COLOR=1
estate=seed
if [ -n "${TOPOLOGY:-}" ]; then
  # ccrd makes the lab from the topology and shuts down cleanly (SIGTERM), as a lab is left
  # between sessions.
  estate=$(basename "$TOPOLOGY" .toml)
  "$(dirname "$ccrsh")/ccrd" --lab "$CCRSH_LAB" --topology "$TOPOLOGY" --listen 127.0.0.1:0 >"$work/ccrd.log" 2>&1 &
  ccrd_pid=$!
  for _ in $(seq 600); do grep -q 'listening on' "$work/ccrd.log" && break; sleep 0.1; done
  kill -TERM "$ccrd_pid"; wait "$ccrd_pid" || true
fi
"$ccrsh" -NoProfile -c 'Get-MailboxServer' >/dev/null   # create or open the lab outside the timing

hyperfine -N --warmup 10 --runs "${RUNS:-100}" --export-json "$work/startup.json" \
  "$ccrsh -NoProfile -c 'Get-ClusteredMailboxServerStatus CCREX01'" \
  "$nu_native --no-config-file -c 1" \
  "$nu_wrapper --no-config-file -c 1" >/dev/null

peak_kb=$(/usr/bin/time -f '%M' "$ccrsh" -NoProfile -c 'Get-ClusteredMailboxServerStatus CCREX01' 2>&1 >/dev/null | tail -n 1)

python3 - "$work/startup.json" "$peak_kb" "$estate" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
ms = [r["median"] * 1000 for r in results]
names = ["ccrsh -c Get-ClusteredMailboxServerStatus", "nu (native binary) -c 1", "nu (npm wrapper) -c 1"]
for name, m, r in zip(names, ms, results):
    print(f"{name:45} median {m:6.2f} ms   (min {r['min']*1000:.2f}, max {r['max']*1000:.2f}, runs {len(r['times'])})")
print(f"ratio ccrsh / nu native : {ms[0] / ms[1]:.3f}   (bar: <= 0.5)")
print(f"ratio ccrsh / nu npm    : {ms[0] / ms[2]:.3f}")
print(f"bar ccrsh <= 15 ms      : {'met' if ms[0] <= 15 else 'MISSED'}")
print(f"ccrsh peak RSS          : {int(sys.argv[2]) / 1024:.1f} MB   (bar: <= 20 MB)")
estate, ratio, peak = sys.argv[3], ms[0] / ms[1], int(sys.argv[2]) / 1024
met = lambda ok: "met" if ok else "missed"
# Lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
print(f"RESULT|start-up, {estate} lab: ccrsh / nu|{ms[0]:.2f} ms|{ms[1]:.2f} ms|{ratio:.2f}|<= 0.5|{met(ratio <= 0.5)}")
print(f"RESULT|start-up, {estate} lab: ccrsh median|{ms[0]:.2f} ms|-|-|<= 15 ms|{met(ms[0] <= 15)}")
print(f"RESULT|start-up, {estate} lab: ccrsh peak RSS|{peak:.1f} MB|-|-|<= 20 MB|{met(peak <= 20)}")
PY
