#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Targets/*.swift) with AddressSanitizer into .build-fuzz/:
# AutodiscoverCore once as an instrumented static library, then one small binary per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build-fuzz
mkdir -p "$out"
rm -f "$out/libAutodiscoverCore.a" "$out"/Fuzz*
flags=(-swift-version 6 -parse-as-library -O -enable-testing -sanitize=fuzzer,address -I Sources/CYAML -I Sources/CIDN2 -I Sources/COpenSSL)
mapfile -t core < <(find Sources/AutodiscoverCore -name '*.swift' | sort)
echo "== fuzz: AutodiscoverCore (instrumented, ${#core[@]} files)"
swiftc "${flags[@]}" -wmo -module-name AutodiscoverCore -emit-library -static -emit-module \
  -emit-module-path "$out/AutodiscoverCore.swiftmodule" -o "$out/libAutodiscoverCore.a" "${core[@]}" 2>&1 \
  | grep -v "Cannot export local symbol" || true
test -f "$out/libAutodiscoverCore.a"
for source in Fuzz/Targets/*.swift; do
  name=$(basename "$source" .swift)
  echo "== fuzz: $name"
  swiftc "${flags[@]}" -I "$out" -L "$out" -module-name "$name" "$source" -lAutodiscoverCore -lyaml -lidn2 -lcrypto \
    -o "$out/$name" 2>&1 | grep -v "Cannot export local symbol" || true
  test -x "$out/$name"
done
