#!/usr/bin/env bash
# `autodiscover probe` against the service with TLS on loopback, Knot DNS for SRV and TXT, nginx in front.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
. "$here/../packages.sh"
install_missing knot knot-dnsutils nginx openssl
timeout 300 python3 "$here/probe_check.py" "$binary"
