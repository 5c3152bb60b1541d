#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Targets/*.swift) with AddressSanitizer into .build-fuzz/:
# AutodiscoverCore and AutodiscoverHTTP once as instrumented static libraries, then one small binary per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build-fuzz
mkdir -p "$out"
rm -f "$out/libAutodiscoverCore.a" "$out/libAutodiscoverHTTP.a" "$out"/Fuzz*
flags=(-swift-version 6 -parse-as-library -O -enable-testing -sanitize=fuzzer,address -I Sources/CYAML -I Sources/CIDN2 -I Sources/COpenSSL -I Sources/CNGHTTP2)
mapfile -t core < <(find Sources/AutodiscoverCore -name '*.swift' | sort)
echo "== fuzz: AutodiscoverCore (instrumented, ${#core[@]} files)"
swiftc "${flags[@]}" -wmo -module-name AutodiscoverCore -emit-library -static -emit-module \
  -emit-module-path "$out/AutodiscoverCore.swiftmodule" -o "$out/libAutodiscoverCore.a" "${core[@]}" 2>&1 \
  | grep -v "Cannot export local symbol" || true
test -f "$out/libAutodiscoverCore.a"
mapfile -t wire < <(find Sources/AutodiscoverHTTP -name '*.swift' | sort)
echo "== fuzz: AutodiscoverHTTP (instrumented, ${#wire[@]} files)"
swiftc "${flags[@]}" -I "$out" -wmo -module-name AutodiscoverHTTP -emit-library -static -emit-module \
  -emit-module-path "$out/AutodiscoverHTTP.swiftmodule" -o "$out/libAutodiscoverHTTP.a" "${wire[@]}" 2>&1 \
  | grep -v "Cannot export local symbol" || true
test -f "$out/libAutodiscoverHTTP.a"
for source in Fuzz/Targets/*.swift; do
  name=$(basename "$source" .swift)
  echo "== fuzz: $name"
  swiftc "${flags[@]}" -I "$out" -L "$out" -module-name "$name" "$source" -lAutodiscoverHTTP -lAutodiscoverCore -lyaml -lidn2 -lcrypto -lnghttp2 \
    -o "$out/$name" 2>&1 | grep -v "Cannot export local symbol" || true
  test -x "$out/$name"
done
