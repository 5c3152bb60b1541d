#!/usr/bin/env bash
# Reload time of the 100,000-domain config, idle and under load (the README's "Reload under load").
#
# Generates the config with gen_domains.py, starts the service on it, sends SIGHUP twice while idle and
# three times while wrk spreads requests over all domains for 20 s, and prints each reload's
# `autodiscover.config.load_seconds` (from the signal until the new configuration is live), wrk's
# answers, errors and latency, and the service's RSS after the five reloads.
#
#   scripts/bench/reload-under-load.sh [BINARY]
# default: .build/release/autodiscover. Needs wrk, curl, python3. Uses port 18096.
set -euo pipefail
bin=${1:-.build/release/autodiscover}
shared=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
python3 "$shared/gen_domains.py" 100000 -o "$work/d.yaml" --domains-list "$work/d.txt" >/dev/null
"$bin" serve --config "$work/d.yaml" --listen 127.0.0.1:18096 --no-access-log >"$work/log" 2>&1 &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:18096/healthz; do sleep 0.1; done

# Waits until the log shows `count` reloads (a reload is logged once the new configuration is live).
reloads() { grep -c '"Configuration reloaded"' "$work/log" || true; }
reload() {
  local before; before=$(reloads)
  kill -HUP "$pid"
  until [ "$(reloads)" -gt "$before" ]; do sleep 0.05; done
}
sleep 1  # the first load's shape grouping runs in the background; let it finish before timing reloads
reload; sleep 1; reload

export BENCH_DOMAINS_FILE="$work/d.txt" BENCH_PATH_TEMPLATE='/mail/config-v1.1.xml?emailaddress={email}'
timeout 60 wrk -t1 -c64 -d20s --latency -s "$shared/spread.lua" http://127.0.0.1:18096 >"$work/wrk" 2>&1 &
wrk=$!
sleep 3; reload; sleep 2; reload; sleep 2; reload
wait "$wrk"

echo "load_seconds (2 idle, 3 under load): $(grep '"Configuration reloaded"' "$work/log" \
  | grep -oE 'load_seconds":"[0-9.]+' | cut -d'"' -f3 | paste -sd' ')"
grep -E 'requests in|Requests/sec|Socket errors|Non-2xx| 99%|Latency ' "$work/wrk" | sed 's/^ */wrk: /'
echo "RSS after the reloads: $(awk '/VmRSS/{print $2, $3}' "/proc/$pid/status")"
