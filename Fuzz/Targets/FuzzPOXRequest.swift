// libFuzzer target: the Outlook/ActiveSync POX request parser (SafeXMLScanner underneath).
// Built and run by scripts/fuzz/run.sh; any crash, hang or ASan report fails the run.
// ci-runs: 1200000 (executions with a fixed seed in scripts/test.sh, ~45 s here; see scripts/fuzz/run.sh)

import AutodiscoverCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPOXRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    if let request = try? POXRequest.parse(body) {
        // A parsed request must hold only what the caps allow.
        if (request.emailAddress?.utf8.count ?? 0) > body.count { fatalError("an address longer than the request") }
    }
    return 0
}
