#!/usr/bin/env bash
# The service alone, then through nginx with deploy/nginx's proxy settings (snippets/autodiscover-proxy.conf
# and the keep-alive upstream; a plain-http listener, as TLS would cost the same in both): bench.sh
# --endpoints autoconfig,pox,json against each, one after the other.
# Usage: scripts/bench/through-nginx.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="${1:-.build/release/autodiscover}"
work="$(mktemp -d)"
cleanup() { kill "$service" 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$binary" serve --listen 127.0.0.1:18080 --no-access-log > /dev/null &
service=$!
mkdir -p "$work/snippets"
cp deploy/nginx/snippets/autodiscover-proxy.conf "$work/snippets/"
sed 's/127.0.0.1:8080/127.0.0.1:18080/' deploy/nginx/autodiscover-upstream.conf > "$work/upstream.conf"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/body; proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
    include upstream.conf;
    server {
        listen 127.0.0.1:18088;
        location / { include snippets/autodiscover-proxy.conf; }
    }
}
CONF
nginx -p "$work" -c "$work/nginx.conf"
for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz > /dev/null && curl -s -o /dev/null http://127.0.0.1:18088/ && break; sleep 0.05; done
export BENCH_DURATION="${BENCH_DURATION:-5}" BENCH_WARMUP="${BENCH_WARMUP:-1}"
for target in "alone http://127.0.0.1:18080" "through-nginx http://127.0.0.1:18088"; do
  set -- $target
  echo "== $1"
  ../shared/bench/bench.sh --no-h2 --endpoints autoconfig,pox,json "$2" | grep -E '^(endpoint|autoconfig|pox|json) '
done
