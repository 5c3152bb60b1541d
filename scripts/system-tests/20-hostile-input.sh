#!/usr/bin/env bash
# Hostile input and limits (product.md section 6) against the release binary on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
timeout 300 python3 "$here/hostile_input.py" "$binary"
