#!/usr/bin/env bash
# deploy/: real nginx from deploy/nginx in front of the binary, the runtime libraries against the
# image's package list, and the compose, Kubernetes and systemd files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
. "$here/../packages.sh"
install_missing nginx curl openssl
python3 -c 'import yaml' 2>/dev/null || pip install -q pyyaml
timeout 240 python3 "$here/deploy_check.py" "$binary"
