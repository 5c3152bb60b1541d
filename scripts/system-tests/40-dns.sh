#!/usr/bin/env bash
# `dns records` and `dns check` against a real authoritative DNS server (Knot DNS) on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
. "$here/../packages.sh"
install_missing knot knot-dnsutils bind9-utils curl
timeout 300 python3 "$here/dns_records_check.py" "$binary"
timeout 120 python3 "$here/dns_source.py" "$binary"
