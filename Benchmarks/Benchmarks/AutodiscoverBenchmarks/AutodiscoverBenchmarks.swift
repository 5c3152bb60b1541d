// What one request costs in the core, and what a 100,000-domain load costs, with allocation counts.
// Run: `cd Benchmarks && swift package benchmark` (release build; results in the terminal).

import AutodiscoverCore
import AutodiscoverHTTP
import Benchmark

#if canImport(Glibc)
import Glibc
#endif

/// A config of `count` domains shaped like `gen_domains.py`'s output.
func generatedConfig(_ count: Int) -> String {
    var text = "domains:\n"
    text.reserveCapacity(count * 340)
    for index in 0..<count {
        let name = "d\(index).example.org"
        text += "  \(name):\n"
        text += "    display_name: Customer \(index)\n"
        text += "    imap: { host: imap.\(name), port: 993, socket: SSL }\n"
        text += "    pop3: { host: pop.\(name), port: 995, socket: SSL }\n"
        text += "    smtp: { host: smtp.\(name), port: 587, socket: STARTTLS }\n"
        if index % 3 == 0 { text += "    activesync: { url: \"https://mail.\(name)/Microsoft-Server-ActiveSync\" }\n" }
    }
    return text
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 1_000_000)

    let text = generatedConfig(100_000)
    let config = try! ConfigLoader().load(text: text, name: "generated.yaml")
    let names = (0..<1_000).map { try! DomainName("d\(($0 * 7919) % 100_000).example.org") }
    let address = try! EmailAddress("alice@d4242.example.org")
    let domain = config.resolve(address)!.domain
    let context = AnswerContext(address: address, requestedDomain: address.domain)
    let engine = AnswerEngine()
    let cache = AnswerCache()

    // Signing one profile (uncached), with the signers of `scripts/make-test-signers.sh DIR` when
    // AUTODISCOVER_SIGNERS=DIR is set.
    if let directory = getenv("AUTODISCOVER_SIGNERS").map({ String(cString: $0) }) {
        let renderer = engine.registry[.mobileconfig]!
        let request = renderer.sampleRequest(for: address, protocol: nil)
        let profile = engine.answer(request, renderer: renderer, config: config).body
        for (name, label) in [("rsa", "RSA-2048"), ("ec", "P-256")] {
            let signer = try! ProfileSigner(
                certificate: "\(directory)/\(name).crt", key: "\(directory)/\(name).key", chain: "\(directory)/int.crt")
            Benchmark("Profile signing (\(label))") { benchmark in
                for _ in benchmark.scaledIterations { blackHole(signer.signUncached(profile)) }
            }
        }
    }

    Benchmark("Lookup among 100,000 domains") { benchmark in
        for index in benchmark.scaledIterations { blackHole(config.resolve(names[index % names.count])) }
    }

    for renderer in engine.registry.renderers {
        let prepared = renderer.prepare(domain, variant: "")
        Benchmark("Fill \(renderer.id.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(prepared.body(for: context)) }
        }
        // What the first request for a domain and format pays (and, spread over 100,000 domains, most do).
        Benchmark("Write directly \(renderer.id.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(renderer.fill(domain, variant: "", for: context)) }
        }
        // What the second request pays: the answer kept for the requests after it.
        Benchmark("Prepare \(renderer.id.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(renderer.prepare(domain, variant: "")) }
        }
    }

    let pox = Array(
        """
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
          <Request>
            <EMailAddress>alice@d4242.example.org</EMailAddress>
            <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
          </Request>
        </Autodiscover>
        """.utf8)
    Benchmark("POX request parsing") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? POXRequest.parse(pox)) }
    }

    // What Thunderbird sends: the head the server reads before answering.
    let head = Array(
        ("GET /mail/config-v1.1.xml?emailaddress=alice%40d4242.example.org HTTP/1.1\r\nHost: autoconfig.d4242.example.org\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0\r\n"
            + "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n\r\n").utf8)
    Benchmark("HTTP/1.1 head: find its end and read it") { benchmark in
        head.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                guard let end = HTTP1Head.end(in: bytes) else { continue }
                blackHole(try? HTTP1Head.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end])))
            }
        }
    }

    Benchmark("HTTP/1.1 connection: a keep-alive request read and answered (state machine and head encoder)") { benchmark in
        var connection = HTTP1Connection(limits: Limits(), now: 0)
        let response = HTTPResponse(
            status: .ok, head: AnswerHead(contentType: "text/xml; charset=utf-8", headers: [("Access-Control-Allow-Origin", "*")]),
            body: [], label: "thunderbird")
        var output = [UInt8](repeating: 0, count: HTTP1ResponseEncoder.headBound(response))
        head.withUnsafeBytes { bytes in
            output.withUnsafeMutableBytes { raw in
                for _ in benchmark.scaledIterations {
                    let (_, action) = connection.read(bytes, now: 1)
                    blackHole(action)
                    let persistence = connection.answered(now: 1)
                    blackHole(HTTP1ResponseEncoder.writeHead(response, persistence, into: raw))
                }
            }
        }
    }

    if case .renderer(let thunderbird) = engine.match(method: "GET", path: "/mail/config-v1.1.xml") {
        Benchmark("Whole answer: autoconfig GET (route, parse, lookup, fill)") { benchmark in
            for _ in benchmark.scaledIterations {
                let request = IncomingRequest(
                    method: "GET", target: "/mail/config-v1.1.xml?emailaddress=alice%40d4242.example.org", host: nil)
                blackHole(engine.answer(request, renderer: thunderbird, config: config, cache: cache))
            }
        }
    }

    // Requests spread over all 100,000 domains, each domain's first: answered from its shape's kept
    // answer (domains grouped by shape) or written directly (not grouped).
    let spread = (0..<100_000).map { index in
        IncomingRequest(method: "GET", target: "/mail/config-v1.1.xml?emailaddress=alice%40d\((index * 7919) % 100_000).example.org", host: nil)
    }
    if case .renderer(let thunderbird) = engine.match(method: "GET", path: "/mail/config-v1.1.xml") {
        let shared = AnswerCache()
        shared.shareAnswers(of: config)
        Benchmark("Whole answer, spread over 100,000 domains: shared shapes") { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(engine.answer(spread[index % spread.count], renderer: thunderbird, config: config, cache: shared))
            }
        }
        Benchmark("Whole answer, spread over 100,000 domains: each domain on its own") { benchmark in
            for index in benchmark.scaledIterations {
                // No cache: written directly, as a domain's first request is without shapes.
                blackHole(engine.answer(spread[index % spread.count], renderer: thunderbird, config: config, cache: nil))
            }
        }
    }

    Benchmark(
        "Group 100,000 domains by shape",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(AnswerCache().shareAnswers(of: config)) }
    }

    Benchmark(
        "Config load, 100,000 domains (34 MB)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? ConfigLoader().load(text: text, name: "generated.yaml")) }
    }
}
