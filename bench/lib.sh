# Sourced by the bench scripts that start servers: what each of them needs around its figures.
#
# bench_work NAME   makes "$work", a fresh directory under the target directory (the disk the
#                   servers write on), and an empty "pids"; on exit every pid in "pids" is
#                   stopped (SIGTERM, then SIGKILL for any still there) and "$work" removed.
# url_of LOG        waits for a server's "listening on" line in LOG and prints its URL.

bench_work() {
  mkdir -p "$target"
  work=$(mktemp -d -p "$target" "$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}

url_of() {
  for _ in $(seq 600); do
    if grep -q 'listening on' "$1"; then break; fi
    sleep 0.05
  done
  grep -o 'http://[0-9.:]*' "$1" | head -n 1
}
