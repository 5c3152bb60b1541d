// libFuzzer target: the HTTP/1.1 request reader (HTTP1Head and ChunkedBodyDecoder) and the connection
// state machine the server drives them through (HTTP1Connection): find the end of a head, read it, read a
// chunked body from what follows; then feed the whole input to a connection in two reads.
// Built and run by scripts/fuzz/run.sh; any crash, hang or ASan report fails the run.
// ci-runs: 1200000 (executions with a fixed seed in scripts/test.sh, 18-31 s here; see scripts/fuzz/run.sh)

import AutodiscoverCore
import AutodiscoverHTTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1Request(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    driveConnection(bytes)
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

/// Feeds the input to a connection as the server does, split in two reads: every consumed count stays
/// within what was given, and the connection ends in a state its actions allow.
func driveConnection(_ bytes: UnsafeRawBufferPointer) {
    var limits = Limits()
    limits.maxBodyBytes = 1024
    limits.maxURIBytes = 256
    limits.maxHeaderBytes = 1024
    var connection = HTTP1Connection(limits: limits, now: 0)
    let cut = bytes.isEmpty ? 0 : Int(bytes[bytes.count - 1]) % (bytes.count + 1)
    var pending: [UInt8] = []
    for piece in [bytes[..<cut], bytes[cut...]] {
        pending += piece
        var rounds = 0
        reading: while rounds < 10_000 {
            rounds += 1
            let count = pending.count
            let (consumed, action) = pending.withUnsafeBytes { connection.read($0, now: 1) }
            if consumed > count { fatalError("consumed more than given") }
            pending.removeFirst(consumed)
            switch action {
            case .answer(_, let body):
                if body.count > limits.maxBodyBytes { fatalError("a body over the limit was answered") }
                _ = connection.answered(now: 2)
                if connection.isClosed { break reading }
            case .sendContinue:
                continue
            case .refuse:
                if !connection.isClosed { fatalError("a refusal left the connection open") }
                break reading
            default:
                break reading
            }
        }
        if rounds >= 10_000 { fatalError("the connection made no progress") }
    }
    _ = connection.timeout(now: .max)
}
