#!/usr/bin/env bash
# The settings page in a real headless browser (Debian's chromium through Selenium and chromedriver).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
. "$here/../packages.sh"
install_missing chromium chromium-driver python3-selenium
# Debian's Selenium lives in the system Python's packages (a python3 earlier on PATH may not see them).
timeout 300 /usr/bin/python3 "$here/browser_check.py" "$binary"
