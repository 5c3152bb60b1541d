// libFuzzer target: the config loader (libyaml events, the fast block parser, validation) on arbitrary
// YAML. Includes resolve against a folder that does not exist; inputs naming /proc, /sys or /dev are
// skipped so a run never reads the machine's special files. Built and run by scripts/fuzz/run.sh.
// ci-runs: 30000 (executions with a fixed seed in scripts/test.sh, ~45 s here; see scripts/fuzz/run.sh)

import AutodiscoverCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if text.contains("/proc") || text.contains("/sys") || text.contains("/dev") { return -1 }
    _ = try? ConfigLoader().load(text: text, name: "fuzz.yaml", directory: "/nonexistent-fuzz-directory")
    return 0
}
