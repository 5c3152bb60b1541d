#!/usr/bin/env bash
# Times `autodiscover check` on a generated 100,000-domain config (release build), next to
# libyaml's bare event scan of the same file, which is the floor for any libyaml-based loader.
# Needs hyperfine (apt-get install hyperfine) and gcc. Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
work=.build/bench
mkdir -p "$work"
swift build -c release --product autodiscover
python3 ../shared/bench/gen_domains.py "$count" -o "$work/domains-$count.yaml"
gcc -O2 scripts/bench/yaml-scan.c -o "$work/yaml-scan" -lyaml
hyperfine --warmup 1 --runs 10 \
  ".build/release/autodiscover check --config $work/domains-$count.yaml" \
  "$work/yaml-scan $work/domains-$count.yaml"
