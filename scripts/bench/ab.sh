#!/usr/bin/env bash
# Two (or more) builds of the service, alternating, with nginx in the same rounds: the way to tell a
# change's effect from this machine's drift (±30 % from minute to minute; only figures taken in turn
# compare). Each round starts each binary on the built-in config and measures autoconfig GET and POX POST
# over HTTP/1.1 (wrk -t1 -c64) and over h2c (h2load -c64 -m10), printing req/s and the
# server's CPU time per request (user + system, from /proc); nginx returns an equal-size body.
#
#   scripts/bench/ab.sh ROUNDS BINARY...      e.g. scripts/bench/ab.sh 3 /tmp/before .build/release/autodiscover
# env: AB_SECONDS (5), AB_NO_H2=1 to skip h2c. Needs wrk, h2load, nginx, curl. Uses ports 18097-18099.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup "${AB_SECONDS:-5}" "$@"
start_nginx "$work/nginx" "$size" "keepalive_requests 10000000;" 127.0.0.1:18098 "127.0.0.1:18099 http2"

measure() { # label mode url pids...
  local label=$1 mode=$2 url=$3 out n rps c0 c1
  shift 3
  c0=$(cpu "$@")
  case $mode in
    get) out=$(timeout $((seconds + 20)) wrk -t1 -c64 -d"${seconds}s" "$url") ;;
    pox) out=$(BENCH_BODY_FILE="$shared/pox-request.xml" timeout $((seconds + 20)) wrk -t1 -c64 -d"${seconds}s" \
      -s "$shared/post.lua" "$url") ;;
    h2c) out=$(timeout $((seconds + 20)) h2load -c64 -m10 -D"$seconds" "$url" 2>&1) ;;
    h2pox) out=$(timeout $((seconds + 20)) h2load -c64 -m10 -D"$seconds" -d "$shared/pox-request.xml" \
      -H 'content-type: text/xml' "$url" 2>&1) ;;
  esac
  c1=$(cpu "$@")
  if [ "${mode#h2}" != "$mode" ]; then
    n=$(awk '/^requests:/{print $8}' <<<"$out"); rps=$(awk '/^finished in/{print $4}' <<<"$out")
  else
    n=$(awk '/requests in/{print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  fi
  printf '%-28s %-5s %10s req/s %6s us/request\n' "$label" "$mode" "$rps" \
    "$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
}

workers=$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | paste -sd' ')
for _ in $(seq "$rounds"); do
  for binary in "${binaries[@]}"; do
    "$binary" serve --listen 127.0.0.1:18097 --no-access-log >/dev/null 2>&1 &
    pid=$!
    until curl -sf -o /dev/null http://127.0.0.1:18097/healthz; do sleep 0.05; done
    timeout 10 wrk -t1 -c64 -d1s "http://127.0.0.1:18097$autoconfig" >/dev/null
    measure "$binary" get "http://127.0.0.1:18097$autoconfig" "$pid"
    measure "$binary" pox http://127.0.0.1:18097/autodiscover/autodiscover.xml "$pid"
    [ -n "${AB_NO_H2:-}" ] || measure "$binary" h2c "http://127.0.0.1:18097$autoconfig" "$pid"
    [ -n "${AB_NO_H2:-}" ] || measure "$binary" h2pox http://127.0.0.1:18097/autodiscover/autodiscover.xml "$pid"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
  # shellcheck disable=SC2086
  measure nginx get "http://127.0.0.1:18098$autoconfig" $workers
  # shellcheck disable=SC2086
  [ -n "${AB_NO_H2:-}" ] || measure nginx h2c "http://127.0.0.1:18099$autoconfig" $workers
done
