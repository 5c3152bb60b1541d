#!/usr/bin/env bash
# Signed against unsigned Apple profiles: bench.sh --endpoints mobileconfig against the service with
# config.yaml and an RSA-2048 (or P-256: KEY=ec) signer, then without signing, then signed again.
# bench.sh asks for one address, so the signed runs measure the signed-bytes cache; what signing costs
# uncached is the "Profile signing" micro-benchmark (Benchmarks/).
# Usage: scripts/bench/signing.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="${1:-.build/release/autodiscover}"
key="${KEY:-rsa}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/make-test-signers.sh "$work/signers"
{ echo "signing: { certificate: $work/signers/$key.crt, key: $work/signers/$key.key, chain: $work/signers/int.crt }"; cat config.yaml; } > "$work/signed.yaml"
cp config.yaml "$work/unsigned.yaml"
export BENCH_DURATION="${BENCH_DURATION:-5}" BENCH_WARMUP="${BENCH_WARMUP:-1}"
for run in signed unsigned signed; do
  "$binary" serve --config "$work/$run.yaml" --listen 127.0.0.1:18080 --no-access-log > /dev/null &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz > /dev/null && break; sleep 0.05; done
  echo "== $run ($key)"
  BENCH_PID=$pid ../shared/bench/bench.sh --endpoints mobileconfig http://127.0.0.1:18080 | grep -E '^(endpoint|mobileconfig)'
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
