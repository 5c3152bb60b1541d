#!/usr/bin/env bash
# `dns check` of N generated domains (gen_domains.py N, default 1000) against Knot DNS on loopback serving
# the zones `dns records` prints for them: each run's wall time and questions a second.
# Usage: scripts/bench/dns-check.sh [N] [RUNS] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
install_missing knot knot-dnsutils
exec python3 scripts/bench/dns_check_bench.py "${1:-1000}" "${2:-5}" "${3:-.build/release/autodiscover}"
