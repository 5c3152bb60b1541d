// libFuzzer target, differential: the strict fast parser for a `domains:` block against libyaml. Whenever
// the fast parser accepts a block, libyaml must accept it too and build the same nodes (kind, position,
// keys, scalar text); otherwise a large config would load differently from a small one.
// Built and run by scripts/fuzz/run.sh.
// ci-runs: 400000 (executions with a fixed seed in scripts/test.sh, ~45 s here; see scripts/fuzz/run.sh)

@testable import AutodiscoverCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastBlockParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array("domains:\n".utf8) + Array(UnsafeBufferPointer(start: data, count: size))
    let start = 9
    guard let fast = FastBlockParser.parse(bytes, range: start..<bytes.count, firstLine: 2, indent: 2) else { return 0 }
    guard let slow = try? YAMLParser().parse(bytes, range: start..<bytes.count, lineOffset: 1) else {
        fatalError("the fast parser accepted a block that libyaml rejects: \(fast.outline(fast.root))")
    }
    let (fastOutline, slowOutline) = (fast.outline(fast.root), slow.outline(slow.root))
    if fastOutline != slowOutline {
        fatalError("the fast parser and libyaml disagree:\nfast: \(fastOutline)\nlibyaml: \(slowOutline)")
    }
    return 0
}
