#!/usr/bin/env bash
# Where a request's CPU goes, user against system: each server pinned to core 0, wrk to core 1, so the
# figures are the server's own and free of the load generator. For each binary (and nginx answering an
# equal-size body, also pinned to core 0): autoconfig GET and POX POST over HTTP/1.1 keep-alive (wrk -t1
# -c64), req/s and the server's user and system CPU time per request (from /proc, all its threads).
#
#   scripts/bench/cpu-split.sh ROUNDS BINARY...    e.g. scripts/bench/cpu-split.sh 2 .build/release/autodiscover
# env: SPLIT_SECONDS (4). Needs wrk, nginx, curl, taskset. Uses ports 18087-18088.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup "${SPLIT_SECONDS:-4}" "$@"
start_nginx "$work/nginx" "$size" "keepalive_requests 10000000;" 127.0.0.1:18088
workers=$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | paste -sd' ')
for worker in $workers; do taskset -pc 0 "$worker" >/dev/null; done

measure() { # label mode port pids...
  local label=$1 mode=$2 port=$3 out n rps before after
  shift 3
  before=$(ticks "$@")
  if [ "$mode" = get ]; then
    out=$(timeout $((seconds + 20)) taskset -c 1 wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$port$autoconfig")
  else
    out=$(BENCH_BODY_FILE="$shared/pox-request.xml" timeout $((seconds + 20)) taskset -c 1 wrk -t1 -c64 -d"${seconds}s" \
      -s "$shared/post.lua" "http://127.0.0.1:$port/autodiscover/autodiscover.xml")
  fi
  after=$(ticks "$@")
  n=$(awk '/requests in/{print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  awk -v l="$label" -v m="$mode" -v r="$rps" -v n="$n" -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    printf "%-28s %-4s %10.0f req/s   user %5.2f us   system %5.2f us a request\n", l, m, r,
      (y[1] - x[1]) * 1e6 / hz / n, (y[2] - x[2]) * 1e6 / hz / n }'
}

for _ in $(seq "$rounds"); do
  for binary in "${binaries[@]}"; do
    taskset -c 0 "$binary" serve --listen 127.0.0.1:18087 --no-access-log >/dev/null 2>&1 &
    pid=$!
    until curl -sf -o /dev/null http://127.0.0.1:18087/healthz; do sleep 0.05; done
    timeout 10 wrk -t1 -c64 -d1s "http://127.0.0.1:18087$autoconfig" >/dev/null
    measure "$binary" get 18087 "$pid"
    measure "$binary" pox 18087 "$pid"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
  # shellcheck disable=SC2086
  measure nginx get 18088 $workers
  # shellcheck disable=SC2086
  measure nginx pox 18088 $workers
done
