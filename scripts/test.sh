#!/usr/bin/env bash
# Runs every test: installs what the tests need (Debian packages) when missing, builds, runs the
# Swift tests, then the system tests against the release binary. Used as is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/packages.sh
install_missing "${build_packages[@]}" python3 curl openssl nghttp2-client

# One release build with testing enabled serves the Swift tests (`@testable import`) and the system
# tests (the same binary), instead of a debug and a release build of everything (BoringSSL included).
release=(-c release -Xswiftc -enable-testing)
echo "== swift test (release build)"
swift build "${release[@]}" --build-tests
swift test "${release[@]}" --skip-build --parallel
if [ -d scripts/system-tests ]; then
  echo "== system tests"
  # The Dockerfile's build script, with this run's flags: the binary the system tests use is the image's.
  OUT=.build/image scripts/build-release.sh -Xswiftc -enable-testing
  passed=0
  failed=0
  for test in scripts/system-tests/*.sh; do
    echo "-- $test"
    if bash "$test" .build/release/autodiscover; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
  echo "system-tests: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
fi

# libFuzzer with AddressSanitizer: each target's seed corpus, then its `// ci-runs:` executions with
# seed FUZZ_SEED (1), so a commit always gets the same verdict; at most FUZZ_SECONDS (60) per target,
# 0 skips. Exploring runs (a new seed each time): scripts/fuzz/run.sh [seconds].
if [ "${FUZZ_SECONDS:-60}" -gt 0 ]; then
  echo "== fuzzing"
  FUZZ_SEED="${FUZZ_SEED:-1}" bash scripts/fuzz/run.sh "${FUZZ_SECONDS:-60}"
fi
