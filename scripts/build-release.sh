#!/usr/bin/env bash
# The release binary as the Dockerfile builds it (the Swift runtime linked in statically), installed as
# $OUT/usr/local/bin/autodiscover (OUT defaults to /out). Arguments go to `swift build`: the test command
# passes its own flags, so this script is exercised by every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-/out}"
swift build -c release --product autodiscover --static-swift-stdlib "$@"
install -D "$(swift build -c release --show-bin-path "$@")/autodiscover" "$out/usr/local/bin/autodiscover"
echo "built $out/usr/local/bin/autodiscover"
