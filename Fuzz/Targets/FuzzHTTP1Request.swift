// libFuzzer target: the HTTP/1.1 request reader (HTTP1Head and ChunkedBodyDecoder), as the server drives
// them: find the end of a head, read it, then read a chunked body from what follows.
// Built and run by scripts/fuzz/run.sh; any crash, hang or ASan report fails the run.
// ci-runs: 1200000 (executions with a fixed seed in scripts/test.sh, 18-31 s here; see scripts/fuzz/run.sh)

import AutodiscoverCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1Request(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // Searching in two pieces must find what one search finds.
    let end = HTTP1Head.end(in: bytes)
    if size > 0 {
        let cut = Int(bytes[0]) % size
        if HTTP1Head.end(in: UnsafeRawBufferPointer(rebasing: bytes[..<cut])) == nil,
            HTTP1Head.end(in: bytes, from: max(cut - 2, 0)) != end
        {
            fatalError("a resumed search found another end")
        }
    }
    guard let end, let head = try? HTTP1Head.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end])) else { return 0 }
    for field in head.fields where field.name.upperBound > end || field.value.upperBound > end {
        fatalError("a field outside the head")
    }
    if head.target.isEmpty || head.method.isEmpty { fatalError("an empty method or target") }
    guard head.framing == .chunked else { return 0 }
    var decoder = ChunkedBodyDecoder(maxBodyBytes: 16_384)
    var body: [UInt8] = []
    let rest = UnsafeRawBufferPointer(rebasing: bytes[end...])
    let (consumed, _) = decoder.consume(rest, into: &body)
    if consumed > rest.count || body.count > 16_384 || body.count > rest.count { fatalError("the body outgrew its bytes") }
    return 0
}
