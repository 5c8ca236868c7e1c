#!/usr/bin/env bash
# Release-profile comparison: the size of ccrsh and ccrd and the start-up of
# `ccrsh -NoProfile -c 'Get-ClusteredMailboxServerStatus CCREX01'` under the release settings
# Cargo.toml could choose, all timed in one hyperfine run so the ratios hold on a busy machine.
# Method and figures: docs/performance.md ("Release profile").
#
# Variants (each a build into its own target directory, settings given as CARGO_PROFILE_RELEASE_*):
#   line-tables   debug = "line-tables-only"                      (profilers and backtraces get lines)
#   symbols       debug = false, strip = "debuginfo"               (Cargo.toml's choice: names, no lines)
#   stripped      debug = false, strip = true
#   thin-lto      debug = false, strip = true, lto = "thin"
#   fat-lto-cgu1  debug = false, strip = true, lto = "fat", codegen-units = 1
#
# Usage: bench/release-profile.sh     (RUNS=N changes the number of timed runs; VARIANTS="a b"
#                                      picks some; TARGET_ROOT=DIR keeps the builds elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null || sudo apt-get install -y hyperfine >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=${TARGET_ROOT:-$PWD/target/profiles}

settings() {
  case "$1" in
    line-tables) echo "CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=none" ;;
    symbols) echo "CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=debuginfo" ;;
    stripped) echo "CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true" ;;
    thin-lto) echo "CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true CARGO_PROFILE_RELEASE_LTO=thin" ;;
    fat-lto-cgu1) echo "CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1" ;;
    *) echo "unknown variant $1" >&2; exit 64 ;;
  esac
}

variants=${VARIANTS:-line-tables symbols stripped thin-lto fat-lto-cgu1}
commands=()
printf '%-14s %12s %12s %10s\n' variant "ccrsh bytes" "ccrd bytes" "build s"
for v in $variants; do
  start=$(date +%s)
  env $(settings "$v") CARGO_TARGET_DIR="$root/$v" cargo build --release --locked --quiet
  took=$(( $(date +%s) - start ))
  bin="$root/$v/release"
  printf '%-14s %12d %12d %10d\n' "$v" "$(stat -c %s "$bin/ccrsh")" "$(stat -c %s "$bin/ccrd")" "$took"
  export CCRSH_LAB="$work/lab-$v" NO_COLOR=1
  "$bin/ccrsh" -NoProfile -c 'Get-MailboxServer' >/dev/null   # the lab exists before timing
  commands+=("env CCRSH_LAB=$work/lab-$v NO_COLOR=1 $bin/ccrsh -NoProfile -c 'Get-ClusteredMailboxServerStatus CCREX01'")
done

hyperfine -N --warmup 10 --runs "${RUNS:-100}" --export-json "$work/profiles.json" "${commands[@]}" >/dev/null
python3 - "$work/profiles.json" $variants <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
base = results[0]["median"]
for name, r in zip(names, results):
    print(f"{name:14} median {r['median']*1000:6.2f} ms  (min {r['min']*1000:.2f}, max {r['max']*1000:.2f})  ratio to {names[0]}: {r['median']/base:.3f}")
PY
