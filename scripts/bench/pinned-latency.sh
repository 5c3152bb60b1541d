#!/usr/bin/env bash
# Latency pinned: the server on core 0, wrk on core 1 (wrk -t1 -c64 --latency, autoconfig GET): the
# service with --threads 1, the service with --threads 2 (two event loops time-slicing one core), and
# nginx with worker_processes 1 returning an equal body.
# Usage: scripts/bench/pinned-latency.sh [SECONDS] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-5}"
binary="${2:-.build/release/autodiscover}"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
path='/mail/config-v1.1.xml?emailaddress=alice@example.com'
measure() {  # label url
  taskset -c 1 wrk -t1 -c64 -d1s "$2" > /dev/null
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency "$2" > "$work/out"
  printf '%-26s %10s req/s  p50 %-8s p90 %-8s p99 %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' "$work/out")" \
    "$(awk '$1=="50%" {print $2}' "$work/out")" "$(awk '$1=="90%" {print $2}' "$work/out")" "$(awk '$1=="99%" {print $2}' "$work/out")"
}
for threads in 1 2; do
  taskset -c 0 "$binary" serve --listen 127.0.0.1:18080 --no-access-log --threads "$threads" > /dev/null &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz > /dev/null && break; sleep 0.05; done
  curl -s "http://127.0.0.1:18080$path" > "$work/body"
  measure "ours --threads $threads" "http://127.0.0.1:18080$path"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
body="$(cat "$work/body" | tr -d '\n' | sed 's/"/\\"/g')"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
    server { listen 127.0.0.1:18089; location / { default_type text/xml; return 200 "$body"; } }
}
CONF
taskset -c 0 nginx -p "$work" -c "$work/nginx.conf"
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18089/ && break; sleep 0.05; done
measure "nginx worker_processes 1" "http://127.0.0.1:18089$path"
kill "$(cat "$work/nginx.pid")"
