#!/usr/bin/env bash
# The log's reader stalls, then goes away: the service keeps answering (release binary on loopback).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
timeout 120 python3 "$here/log_output.py" "$binary"
