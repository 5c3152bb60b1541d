// libFuzzer target: address, domain and host parsing (RFC 5321 limits, IDNA through libidn2), and the
// whole answer path for a hostile address or Host: percent-decoding, lookup, writing the answer directly,
// escaping; and, differentially, that preparing the answer and filling in its slots gives the same bytes.
// No AnswerCache: every run makes its answers, so LeakSanitizer sees each one freed (kept answers are
// held through enum payload pointers with tag bits, which LSan cannot follow and would report as leaks).
// The engine keeps each renderer's prepared not-found document the same way, so it is made before the
// first run and dropped at exit, before LeakSanitizer's own exit check. Built and run by scripts/fuzz/run.sh.
// ci-runs: 120000 (executions with a fixed seed in scripts/test.sh, ~45 s here; see scripts/fuzz/run.sh)

import AutodiscoverCore

#if canImport(Glibc)
import Glibc
#endif

private let config = try! ConfigLoader().load(text: DefaultConfiguration.text, name: DefaultConfiguration.name)
nonisolated(unsafe) private var engine: AnswerEngine!

@_cdecl("LLVMFuzzerInitialize")
public func initializeFuzzAddress(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    engine = AnswerEngine()
    // Exit handlers run in reverse order of registration: this one before LeakSanitizer's (set up first).
    atexit { engine = nil }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddress(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let address = try? EmailAddress(text) {
        precondition(address.localPart.utf8.count <= 64 && address.domain.ascii.utf8.count <= 253)
        _ = config.resolve(address)
    }
    if let name = try? DomainName(text) { _ = config.resolve(name) }
    _ = config.resolve(host: text)
    let targets = [
        "/mail/config-v1.1.xml?emailaddress=" + text, "/autodiscover/autodiscover.json/v1.0/" + text + "?Protocol=ActiveSync",
        "/autodiscover/autodiscover.json?Email=" + text + "&Protocol=AutodiscoverV1", "/mobileconfig?emailaddress=" + text,
        "/settings?emailaddress=" + text, "/.well-known/user-agent-configuration.json",
    ]
    for target in targets {
        let path = String(target.prefix { $0 != "?" })
        guard case .renderer(let renderer) = engine.match(method: "GET", path: path) else { continue }
        let response = engine.answer(
            IncomingRequest(method: "GET", target: target, host: text), renderer: renderer, config: config, cache: nil)
        precondition(response.status == 200 || (400..<500).contains(response.status))
        // The same request through a prepared answer (what a domain's second request gets).
        let request = IncomingRequest(method: "GET", target: target, host: text)
        guard let reading = try? renderer.read(request), let answering = engine.registry[reading.renderer] else { continue }
        let found = reading.address.flatMap { config.resolve($0) } ?? request.host.flatMap { config.resolve(host: $0) }
        guard let found, found.domain.redirect == nil else { continue }
        let context = AnswerContext(
            address: reading.address, requestedDomain: found.requested, accountName: reading.accountName)
        let direct = answering.fill(found.domain, variant: reading.variant, for: context)
        precondition(direct.body == answering.prepare(found.domain, variant: reading.variant).body(for: context))
    }
    return 0
}
