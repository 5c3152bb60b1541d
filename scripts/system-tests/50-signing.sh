#!/usr/bin/env bash
# Signed Apple profiles: the signing certificate rotated on disk while a client loop runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
timeout 180 python3 "$here/signing_rotation.py" "$binary"
