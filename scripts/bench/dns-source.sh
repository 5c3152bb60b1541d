#!/usr/bin/env bash
# N `source: dns` domains (default 10,000) served by Knot DNS on loopback: the service started on them,
# the time to /readyz and of the first round of lookups (from its log), its RSS; with --bench, then
# bench.sh's autoconfig on one such domain against example.com (a YAML domain) in one run.
# Usage: scripts/bench/dns-source.sh [N] [--bench] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
install_missing knot knot-dnsutils
exec python3 scripts/bench/dns_source_bench.py "$@"
