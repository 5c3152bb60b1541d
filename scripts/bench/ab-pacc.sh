#!/usr/bin/env bash
# Two builds, alternating: autoconfig GET and the PACC document (Host ua-auto-config.example.com), each
# with wrk -t1 -c64 for SECONDS, ROUNDS times, on the built-in config. Prints req/s per build and round.
# Usage: scripts/bench/ab-pacc.sh ROUNDS SECONDS BEFORE AFTER
set -euo pipefail
rounds="$1" seconds="$2"; shift 2
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null || true' EXIT
for round in $(seq "$rounds"); do
  for binary in "$@"; do
    "$binary" serve --listen 127.0.0.1:18077 --no-access-log > /dev/null &
    pid=$!
    for _ in $(seq 100); do curl -sf http://127.0.0.1:18077/readyz > /dev/null && break; sleep 0.05; done
    a=$(wrk -t1 -c64 -d"${seconds}s" 'http://127.0.0.1:18077/mail/config-v1.1.xml?emailaddress=alice@example.com' | awk '/Requests\/sec/ {print $2}')
    p=$(wrk -t1 -c64 -d"${seconds}s" -H 'Host: ua-auto-config.example.com' 'http://127.0.0.1:18077/.well-known/user-agent-configuration.json' | awk '/Requests\/sec/ {print $2}')
    printf 'round %d  %-28s autoconfig %10s req/s   pacc %10s req/s\n' "$round" "$binary" "$a" "$p"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
