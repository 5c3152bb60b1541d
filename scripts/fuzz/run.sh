#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for a bounded time.
#   scripts/fuzz/run.sh [seconds per target, default 60] [target ...]
# Each run starts from the committed seed corpus (Fuzz/Corpus/<target>/, copied so new inputs stay out
# of git) and prints executions, executions per second and coverage. A crash, leak, timeout (10 s per
# input) or ASan report fails the script; the reproducer is kept under .build-fuzz/artifacts/.
#
# Without FUZZ_SEED every run explores anew (libFuzzer picks a random seed): what to run while working
# on a parser. With FUZZ_SEED=N (scripts/test.sh sets 1) the run is reproducible: seed N, Swift's
# hashing made deterministic, no address randomisation (setarch -R), and at most the executions named
# by the target's `// ci-runs:` line, so the same commit always fuzzes the same inputs and a slower
# machine runs a prefix of them. CI stays a verdict on the commit; new findings come from the
# exploring runs and go into the seed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=()
  for source in Fuzz/Targets/*.swift; do targets+=("$(basename "$source" .swift)"); done
fi
bash scripts/fuzz/build.sh
# Let ASan and libFuzzer report crashes (the Swift backtracer would otherwise take over the signal).
export SWIFT_BACKTRACE=enable=no
mkdir -p .build-fuzz/artifacts
# Reproducible runs also need fixed addresses: values the instrumented code compares (pointers among
# them) steer libFuzzer's mutations, so address-space randomisation alone made two runs differ.
fixed=()
seeded=()
if [ -n "${FUZZ_SEED:-}" ]; then
  export SWIFT_DETERMINISTIC_HASHING=1
  if setarch -R true 2>/dev/null; then fixed=(setarch -R); fi
  seeded=(-seed="$FUZZ_SEED")
fi
failed=0
for target in "${targets[@]}"; do
  corpus=".build-fuzz/corpus/$target"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp Fuzz/Corpus/"$target"/* "$corpus"/
  log=".build-fuzz/$target.log"
  budget=("${seeded[@]}")
  ci_runs=$(sed -n 's|^// ci-runs: *\([0-9]*\).*|\1|p' "Fuzz/Targets/$target.swift")
  if [ ${#seeded[@]} -gt 0 ] && [ -n "$ci_runs" ]; then budget+=(-runs="$ci_runs"); fi
  echo "== fuzz $target for ${seconds}s ${budget[*]}"
  started=$SECONDS
  if timeout $((seconds + 60)) "${fixed[@]}" ".build-fuzz/$target" -max_total_time="$seconds" "${budget[@]}" -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix=".build-fuzz/artifacts/$target-" \
    "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz $target: ok, $runs executions in $((SECONDS - started))s ($rate exec/s), $coverage, corpus $(ls "$corpus" | wc -l) inputs"
  else
    failed=$((failed + 1))
    echo "fuzz $target: FAILED"
    grep -E "ERROR|SUMMARY|Fatal error|Precondition|artifact" "$log" | head -20 || tail -30 "$log"
  fi
done
[ "$failed" -eq 0 ]
