// libFuzzer target: the config loader (libyaml events, the fast block parser, validation) on arbitrary
// YAML. Includes resolve against a folder that does not exist; inputs naming /proc, /sys or /dev are
// skipped so a run never reads the machine's special files. Built and run by scripts/fuzz/run.sh.
// A config that loads is also checked for shared answers: for every domain that can share its shape
// (DomainShapes), every renderer's shape answer filled in with the domain's texts must be the domain's
// own answer, with and without an address.
// ci-runs: 30000 (executions with a fixed seed in scripts/test.sh, ~45 s here; see scripts/fuzz/run.sh)

@testable import AutodiscoverCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if text.contains("/proc") || text.contains("/sys") || text.contains("/dev") { return -1 }
    guard let config = try? ConfigLoader().load(text: text, name: "fuzz.yaml", directory: "/nonexistent-fuzz-directory")
    else { return 0 }
    for domain in config.domains.prefix(20) {
        guard let shape = DomainShapes.shape(of: domain) else { continue }
        let texts = DomainTexts(domain)
        let address = try? EmailAddress("fuzz@\(domain.name.ascii)")
        for renderer in RendererRegistry.standard.renderers {
            for context in [
                AnswerContext(address: address, requestedDomain: domain.name, accountName: "a<&>", domain: texts),
                AnswerContext(address: nil, requestedDomain: domain.name, domain: texts),
            ] {
                for variant in ["", "activesync"] {
                    let shared = renderer.prepare(shape, variant: variant, slotsForDomain: true)
                    let direct = renderer.fill(domain, variant: variant, for: context)
                    let head = shared.head(for: context)
                    if shared.body(for: context) != direct.body
                        || head.headers.map({ $0.0 + ": " + $0.1 }) != direct.head.headers.map({ $0.0 + ": " + $0.1 })
                    {
                        fatalError("shared answer differs: \(renderer.id) \(domain.pattern) \(variant)")
                    }
                }
            }
        }
    }
    return 0
}
