#!/usr/bin/env bash
# Runs every test: installs what the tests need (Debian packages) when missing, builds, runs the
# Swift tests, then the system tests against the release binary. Used as is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libyaml-dev libidn2-dev pkg-config python3)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== swift build"
swift build
echo "== swift test"
swift test --parallel
if [ -d scripts/system-tests ]; then
  echo "== system tests"
  swift build -c release --product autodiscover
  for test in scripts/system-tests/*.sh; do
    echo "-- $test"
    bash "$test" .build/release/autodiscover
  done
fi
