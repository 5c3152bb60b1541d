#!/usr/bin/env bash
# Spread over 10 and over 100,000 domains: ours and nginx (returning an equal-size body) in one run.
#
# bench.sh --scale compares our 100,000-domain req/s with our 10-domain req/s. On a 2-core machine wrk
# shares the cores with the server, and wrk's own cost per request grows with the domain list (its Lua
# script picks a random domain from 100,000 and builds a new request string each time). This script
# measures that part: nginx answers without looking at the domain, so its drop from 10 to 100,000
# domains is the load generator's alone. It prints req/s, the server's and wrk's CPU time per request.
#
#   scripts/bench/spread-ceiling.sh [BINARY] [SECONDS] [ROUNDS]
# defaults: .build/release/autodiscover, 5 s, 2 rounds. Needs nginx, wrk, curl, python3.
set -euo pipefail
bin=${1:-.build/release/autodiscover}; dur=${2:-5}; rounds=${3:-2}
shared=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d); trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
for n in 10 100000; do
  python3 "$shared/gen_domains.py" "$n" -o "$work/d$n.yaml" --domains-list "$work/d$n.txt" >/dev/null
done
# nginx: the same status and an equal-size body as our answer for the first domain.
size=$("$bin" render --config "$work/d10.yaml" --format thunderbird --email "alice@$(head -1 "$work/d10.txt")" | wc -c)
start_nginx "$work/nginx" "$size" "" 127.0.0.1:18091
cp "$work/nginx/nginx.pid" "$work/nginx-master.pid"
run() { # label url pids...
  local label=$1 url=$2; shift 2
  timeout 30 wrk -t1 -c64 -d2s -s "$shared/spread.lua" "$url" >/dev/null
  local c0; c0=$(cpu "$@")
  local out; out=$({ /usr/bin/time -f "WRKCPU %U %S" timeout $((dur + 20)) wrk -t1 -c64 -d"${dur}s" -s "$shared/spread.lua" "$url"; } 2>&1)
  local c1; c1=$(cpu "$@")
  local line; line=$(grep BENCHRESULT <<<"$out")
  local req; req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  local wrk_us; wrk_us=$(grep WRKCPU <<<"$out" | awk -v r="$req" '{printf "%d", ($2 + $3) * 1000000 / r}')
  printf '%-14s %10s req/s  p99 %6s us  server %3d us/req  wrk %3d us/req\n' "$label" \
    "$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")" \
    $(( (c1 - c0) * 10000000 / req / 1000 )) "$wrk_us"
}
export BENCH_LUA_DIR=$shared BENCH_PATH_TEMPLATE='/mail/config-v1.1.xml?emailaddress={email}'
for round in $(seq "$rounds"); do
  for n in 10 100000; do
    export BENCH_DOMAINS_FILE=$work/d$n.txt
    "$bin" serve --config "$work/d$n.yaml" --listen 127.0.0.1:18092 --no-access-log >/dev/null 2>&1 &
    echo $! >"$work/ours.pid"
    until curl -sf -o /dev/null "http://127.0.0.1:18092/mail/config-v1.1.xml?emailaddress=a@$(head -1 "$work/d$n.txt")"; do sleep 0.1; done
    run "ours $n" http://127.0.0.1:18092 "$(cat "$work/ours.pid")"
    kill "$(cat "$work/ours.pid")"; wait "$(cat "$work/ours.pid")" 2>/dev/null || true; rm "$work/ours.pid"
    run "nginx $n" http://127.0.0.1:18091 $(pgrep -P "$(cat "$work/nginx-master.pid")") "$(cat "$work/nginx-master.pid")"
  done
done
