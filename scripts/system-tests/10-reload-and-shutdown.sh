#!/usr/bin/env bash
# Reload under load and graceful shutdown, against the release binary on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
timeout 180 python3 "$here/reload_under_load.py" "$binary"
timeout 120 python3 "$here/shutdown_in_flight.py" "$binary"
