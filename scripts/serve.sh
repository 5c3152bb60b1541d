#!/usr/bin/env bash
# Serves the built-in config.yaml on http://127.0.0.1:8080 (release build), after installing the Debian
# packages the build needs when missing. Arguments go to `autodiscover serve` (--config, --listen, …).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
install_missing "${build_packages[@]}"
exec swift run -c release autodiscover serve "$@"
