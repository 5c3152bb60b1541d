#!/usr/bin/env bash
# Latency pinned: the server on core 0, wrk on core 1 (wrk -t1 -c64 --latency, autoconfig GET): the
# service with --threads 1, the service with --threads 2 (two event loops time-slicing one core), and
# nginx with worker_processes 1 returning an equal-size body (lib.sh's start_nginx).
# Usage: scripts/bench/pinned-latency.sh [SECONDS] [BINARY]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup "${1:-5}" 1 "${2:-.build/release/autodiscover}"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
measure() {  # label url
  taskset -c 1 wrk -t1 -c64 -d1s "$2" > /dev/null
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency "$2" > "$work/out"
  printf '%-26s %10s req/s  p50 %-8s p90 %-8s p99 %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' "$work/out")" \
    "$(awk '$1=="50%" {print $2}' "$work/out")" "$(awk '$1=="90%" {print $2}' "$work/out")" "$(awk '$1=="99%" {print $2}' "$work/out")"
}
for threads in 1 2; do
  taskset -c 0 "${binaries[0]}" serve --listen 127.0.0.1:18080 --no-access-log --threads "$threads" > /dev/null &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz > /dev/null && break; sleep 0.05; done
  measure "ours --threads $threads" "http://127.0.0.1:18080$autoconfig"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
start_nginx "$work/nginx" "$size" "" 127.0.0.1:18089
for worker in $(pgrep -P "$(cat "$work/nginx/nginx.pid")"); do taskset -pc 0 "$worker" > /dev/null; done
measure "nginx worker_processes 1" "http://127.0.0.1:18089$autoconfig"
