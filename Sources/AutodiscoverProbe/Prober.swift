import AutodiscoverCore
import AutodiscoverDNS
import Foundation

/// Walks the steps each client takes to find its settings for one address (`protocols.md` §1), against a
/// live deployment: DNS, TCP, TLS, HTTP, the answer read with the format's rules and, with a configuration,
/// compared with what it answers. Requests go through async-http-client; redirects are reported, not
/// followed; DNS SRV and TXT records through the c-ares resolver.
public struct Prober {
    public enum Client: String, CaseIterable, Sendable {
        case thunderbird, outlook
        case outlookJSON = "outlook-json"
        case activesync, pacc, apple
    }

    public struct Options: Sendable {
        public var address: EmailAddress
        /// The configuration answers are compared with; nil: answers are only read.
        public var config: Configuration?
        public var clients: [Client]
        public var connections: ConnectionMap
        public var nameservers: [String]
        /// A PEM file of trust roots instead of the system's.
        public var trustRoots: String?
        /// Also try the cleartext http:// URLs Thunderbird falls back to.
        public var insecureHTTP: Bool
        public var timeout: Duration

        public init(
            address: EmailAddress, config: Configuration?, clients: [Client], connections: ConnectionMap, nameservers: [String],
            trustRoots: String?, insecureHTTP: Bool, timeout: Duration
        ) {
            self.address = address
            self.config = config
            self.clients = clients
            self.connections = connections
            self.nameservers = nameservers
            self.trustRoots = trustRoots
            self.insecureHTTP = insecureHTTP
            self.timeout = timeout
        }
    }

    let options: Options
    private let resolver: DNSResolver
    private let fetcher: HTTPFetcher
    private let inspector: TLSInspector
    private let engine = AnswerEngine()

    public init(_ options: Options) throws {
        self.options = options
        resolver = try DNSResolver(nameservers: options.nameservers, timeout: options.timeout)
        fetcher = HTTPFetcher(connections: options.connections, trustRoots: options.trustRoots, timeout: options.timeout)
        inspector = TLSInspector(timeout: options.timeout)
    }

    private var domain: String { options.address.domain.ascii }
    private var address: EmailAddress { options.address }

    public func run() async -> ProbeReport {
        var clients: [ClientReport] = []
        for client in options.clients { clients.append(await probe(client)) }
        return ProbeReport(address: address.description, domain: domain, compared: options.config != nil, clients: clients)
    }

    // MARK: Clients

    private func probe(_ client: Client) async -> ClientReport {
        var steps: [StepReport] = []
        switch client {
        case .thunderbird:
            let query = "?emailaddress=\(Self.encode(address.description))"
            steps.append(await fetch(get("autoconfig.\(domain)", "/mail/config-v1.1.xml" + query, .thunderbird)))
            steps.append(await fetch(get(domain, "/.well-known/autoconfig/mail/config-v1.1.xml" + query, .thunderbird)))
            if options.insecureHTTP {
                steps.append(
                    await fetch(get("autoconfig.\(domain)", "/mail/config-v1.1.xml" + query, .thunderbird, scheme: "http")))
                steps.append(
                    await fetch(get(domain, "/.well-known/autoconfig/mail/config-v1.1.xml" + query, .thunderbird, scheme: "http"))
                )
            }
            steps.append(await fetch(pox("autodiscover.\(domain)", .outlook)))
            steps.append(await fetch(pox(domain, .outlook)))
            steps += await srvThenPOX(.outlook, usePort: false)
        case .outlook:
            steps.append(await fetch(pox(domain, .outlook)))
            steps.append(await fetch(pox("autodiscover.\(domain)", .outlook)))
            steps.append(await redirectStep())
            steps += await srvThenPOX(.outlook, usePort: true)
        case .outlookJSON:
            let query = "?Email=\(Self.encode(address.description))&Protocol=AutodiscoverV1&RedirectCount=1"
            let json = await fetch(get("autodiscover.\(domain)", "/autodiscover/autodiscover.json" + query, .json))
            steps.append(json)
            steps.append(await followV2(json))
        case .activesync:
            steps.append(await fetch(pox(domain, .mobilesync)))
            steps.append(await fetch(pox("autodiscover.\(domain)", .mobilesync)))
            steps += await srvThenPOX(.mobilesync, usePort: true)
        case .pacc:
            let (txt, digests) = txtStep()
            steps.append(txt)
            steps.append(
                await fetch(
                    get("ua-auto-config.\(domain)", "/.well-known/user-agent-configuration.json", .pacc), digests: digests))
        case .apple:
            let query = "?emailaddress=\(Self.encode(address.description))"
            steps.append(await fetch(get(domain, "/mobileconfig" + query, .mobileconfig)))
            steps.append(await fetch(get("autoconfig.\(domain)", "/mobileconfig" + query, .mobileconfig)))
        }
        // The client takes the first answer it can read; a FAIL there (wrong settings, a bad signature) is
        // what it would configure.
        let stop = steps.firstIndex { $0.usable }
        let verdict: ProbeVerdict = stop.map { steps[$0].verdict == .fail ? .fail : .pass } ?? .fail
        return ClientReport(
            client: client.rawValue, steps: steps, stopsAt: stop.map { $0 + 1 }, verdict: verdict,
            configures: stop.map { steps[$0].configures } ?? [])
    }

    private func get(_ host: String, _ target: String, _ format: RendererID, scheme: String = "https") -> ProbeRequest {
        ProbeRequest(method: "GET", scheme: scheme, host: host, target: target, format: format)
    }

    /// Outlook's (or ActiveSync's) POX POST, with the body that client sends.
    private func pox(_ host: String, _ format: RendererID, port: Int? = nil) -> ProbeRequest {
        let body = RendererRegistry.standard[format]?.sampleRequest(for: address, protocol: nil).body ?? []
        return ProbeRequest(
            method: "POST", host: host, port: port, target: "/autodiscover/autodiscover.xml", body: body,
            contentType: "text/xml; charset=utf-8", format: format)
    }

    /// Outlook's step 6: `http://autodiscover.D/autodiscover/autodiscover.xml`, where only a redirect to an
    /// https URL counts.
    private func redirectStep() async -> StepReport {
        let request = ProbeRequest(
            method: "GET", scheme: "http", host: "autodiscover.\(domain)", target: "/autodiscover/autodiscover.xml", format: nil)
        var step = await fetch(request)
        guard let status = step.status else { return step }
        if (301...308).contains(status) {
            let location = step.reason ?? ""
            step.verdict = location.contains("https://") ? .pass : .warn
            if step.verdict == .warn { step.reason = "\(location): Outlook follows only a redirect to https" }
        } else {
            step.verdict = .warn
            step.reason = "HTTP \(status): Outlook acts on a redirect to https only and moves on"
        }
        step.usable = false
        return step
    }

    /// `_autodiscover._tcp.D`, then the POX POST to its target (Thunderbird ignores the port).
    private func srvThenPOX(_ format: RendererID, usePort: Bool) async -> [StepReport] {
        let owner = "_autodiscover._tcp.\(domain)"
        let found = resolver.resolve([DNSQuestion(name: owner, type: .srv)]).first ?? .failure("no answer")
        var step = StepReport(step: "SRV \(owner)", verdict: .pass)
        switch found {
        case .records(let records, _):
            let targets: [(Int, Int, String)] = records.compactMap {
                if case .srv(let priority, _, let port, let target) = $0, target != "." { (priority, port, target) } else { nil }
            }
            guard let (_, port, target) = targets.min(by: { $0.0 < $1.0 }) else {
                step.verdict = .warn
                step.reason = "the record says no service (target .)"
                return [step]
            }
            let host = target.hasSuffix(".") ? String(target.dropLast()) : target
            step.dns = "\(host):\(port)"
            return [step, await fetch(pox(host, format, port: usePort ? port : nil))]
        case .alias(let target):
            step.verdict = .warn
            step.reason = "a CNAME (to \(target)) where an SRV record belongs"
        case .noData, .nxdomain:
            step.verdict = .warn
            step.reason = "no SRV record (the client moves on)"
        case .failure(let message):
            step.verdict = .warn
            step.reason = "DNS: \(message)"
        }
        return [step]
    }

    /// The v2 JSON answer's `Url`: the POX endpoint Outlook then POSTs to.
    private func followV2(_ json: StepReport) async -> StepReport {
        guard json.usable, let url = json.configures.first?.split(separator: " ").last.map(String.init),
            let parsed = URLComponents(string: url), let host = parsed.host
        else {
            return StepReport(step: "POST the URL of the v2 answer", verdict: .skip, reason: "no URL to follow")
        }
        var request = pox(host, .outlook, port: parsed.port)
        request.target = parsed.percentEncodedPath.isEmpty ? "/" : parsed.percentEncodedPath
        return await fetch(request)
    }

    /// The PACC TXT records at `_ua-auto-config.D`.
    private func txtStep() -> (StepReport, [PACCDigestRecord]) {
        let owner = "_ua-auto-config.\(domain)"
        let found = resolver.resolve([DNSQuestion(name: owner, type: .txt)]).first ?? .failure("no answer")
        var step = StepReport(step: "TXT \(owner)", verdict: .pass)
        switch found {
        case .records(let records, _):
            let digests = records.compactMap { record -> PACCDigestRecord? in
                if case .txt(let strings) = record { PACCDigestRecord(parsing: strings.joined()) } else { nil }
            }
            step.dns = digests.map(\.text).joined(separator: " | ")
            if digests.isEmpty {
                step.verdict = .fail
                step.reason = "no v=UAAC1 record among \(records.count) TXT record(s): clients refuse the document"
            }
            return (step, digests)
        case .alias(let target):
            step.verdict = .fail
            step.reason = "a CNAME (to \(target)) where the TXT record belongs"
        case .noData, .nxdomain:
            step.verdict = .fail
            step.reason = "no TXT record: clients refuse the document without one"
        case .failure(let message):
            step.verdict = .fail
            step.reason = "DNS: \(message)"
        }
        return (step, [])
    }

    // MARK: One HTTP step

    /// DNS (or the mapping), TCP and TLS, the request, the answer read and compared.
    private func fetch(_ request: ProbeRequest, digests: [PACCDigestRecord]? = nil) async -> StepReport {
        var step = StepReport(step: "\(request.method) \(request.displayURL)", verdict: .pass)
        let mapped = options.connections.target(host: request.host, port: request.port)
        if let mapped {
            step.dns = "\(mapped.address):\(mapped.port) (mapped)"
        } else {
            let addresses = Self.addresses(of: request.host)
            guard !addresses.isEmpty else {
                step.verdict = .warn
                step.reason = "DNS: no address for \(request.host) (the client moves on)"
                return step
            }
            step.dns = addresses.joined(separator: ", ")
        }
        if request.scheme == "https" {
            do {
                step.tls = try await inspector.inspect(
                    host: request.host, address: mapped?.address, port: mapped?.port ?? request.port)
            } catch {
                step.verdict = .warn
                step.reason = "connect: \(Self.describe(error)) (the client moves on)"
                return step
            }
        }
        let reply: HTTPFetcher.Reply
        do {
            reply = try await fetcher.fetch(request)
        } catch {
            let text = Self.describe(error)
            if request.scheme == "https" && Self.isCertificateProblem(text) {
                step.verdict = .fail
                step.reason = Self.certificateProblem(text, host: request.host, names: step.tls?.names ?? [])
            } else {
                step.verdict = .warn
                step.reason = "\(text) (the client moves on)"
            }
            return step
        }
        step.status = reply.status
        step.milliseconds = reply.milliseconds
        if (300...399).contains(reply.status) {
            step.verdict = .warn
            step.reason = "redirect to \(reply.header("Location") ?? "nowhere") (reported, not followed)"
            return step
        }
        guard reply.status == 200, let format = request.format else {
            step.verdict = reply.status >= 500 ? .fail : .warn
            step.reason = "HTTP \(reply.status)" + (reply.status == 404 ? ": no such route here (the client moves on)" : "")
            return step
        }
        return read(reply.body, format, request, digests: digests, into: step)
    }

    /// Reads an answer with its format's rules and compares it with the configuration's.
    private func read(
        _ body: [UInt8], _ format: RendererID, _ request: ProbeRequest, digests: [PACCDigestRecord]?, into step: StepReport
    ) -> StepReport {
        var step = step
        let fields: AnswerFields
        do {
            fields = try AnswerFields.read(body, format: format)
        } catch {
            step.verdict = .fail
            step.reason = "unreadable as \(format.rawValue): \(error)"
            return step
        }
        step.configures = Self.summary(fields, format)
        step.usable = !step.configures.isEmpty
        if !step.usable {
            step.verdict = .warn
            step.reason = "the answer names no server (an error document?)"
            return step
        }
        var notes: [String] = []
        if format == .mobileconfig {
            if body.first == 0x30, let (_, signer) = ProfileSigner.verify(body) {
                notes.append("signed by \(signer)")
            } else {
                notes.append("unsigned: the device says so when it is installed")
            }
        }
        if let digests {
            let record = PACCDigestRecord(document: body)
            if !digests.contains(where: { $0.matches(record) }) {
                step.verdict = .fail
                notes.append("the body's digest (\(record.digest)) matches no TXT record at _ua-auto-config.\(domain)")
            }
        }
        if let config = options.config {
            let expected = expectedAnswer(request, format, config)
            if let expected, expected.status == 200 {
                if format == .pacc, expected.body != body {
                    step.verdict = .fail
                    notes.append(
                        "the body differs from this configuration's (\(body.count) bytes, expected \(expected.body.count))")
                }
                if let wanted = try? AnswerFields.read(expected.body, format: format) {
                    step.differences = fields.differences(from: wanted)
                    if !step.differences.isEmpty {
                        step.verdict = .fail
                        notes.append("differs from this configuration in \(step.differences.count) field(s):")
                    }
                }
            } else {
                step.verdict = .fail
                notes.append("this configuration has no answer for \(address.domain) here (status \(expected?.status ?? 0))")
            }
        }
        step.reason = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return step
    }

    /// What this configuration answers to the same request.
    private func expectedAnswer(_ request: ProbeRequest, _ format: RendererID, _ config: Configuration) -> AnswerEngine.Response?
    {
        let path = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.target
        let renderer: any Renderer
        switch engine.match(method: request.method, path: path) {
        case .renderer(let matched): renderer = matched
        default: return nil
        }
        let incoming = IncomingRequest(method: request.method, target: request.target, host: request.host, body: request.body)
        var response = engine.answer(incoming, renderer: renderer, config: config)
        // A signed profile differs by its signature each time: compare what was signed.
        if format == .mobileconfig, response.body.first == 0x30, let (content, _) = ProfileSigner.verify(response.body) {
            response.body = content
        }
        return response
    }

    // MARK: Reading answers

    /// One line a server the client would set up, from the answer's fields; empty when it names none.
    static func summary(_ fields: AnswerFields, _ format: RendererID) -> [String] {
        switch format {
        case .thunderbird:
            return servers(fields, ["incomingServer", "outgoingServer"]) { prefix in
                let type = fields["\(prefix)@type"] ?? "?"
                return "\(type.uppercased()) \(fields["\(prefix)/hostname"] ?? "?"):\(fields["\(prefix)/port"] ?? "?") "
                    + "\(fields["\(prefix)/socketType"] ?? "") user \(fields["\(prefix)/username"] ?? "?")"
            }
        case .outlook:
            if let address = fields.all(endingIn: "/RedirectAddr").first { return ["redirect to address \(address.value)"] }
            if let url = fields.all(endingIn: "/RedirectUrl").first { return ["redirect to \(url.value)"] }
            return servers(fields, ["Protocol"]) { prefix in
                guard let server = fields["\(prefix)/Server"] else { return nil }
                let security = fields["\(prefix)/Encryption"] ?? (fields["\(prefix)/SSL"] == "on" ? "SSL" : "none")
                return "\(fields["\(prefix)/Type"] ?? "?") \(server):\(fields["\(prefix)/Port"] ?? "?") \(security)"
                    + " user \(fields["\(prefix)/LoginName"] ?? "?")"
            }
        case .mobilesync:
            return fields.all(endingIn: "/Server/Url").map { "ActiveSync \($0.value)" }
        case .json:
            return fields["Url"].map { ["\(fields["Protocol"] ?? "?") \($0)"] } ?? []
        case .pacc:
            return fields.fields.filter { $0.path.hasPrefix("protocols.") }.map { "\($0.path.dropFirst(10)) \($0.value)" }
        case .mobileconfig:
            return fields.fields.filter {
                $0.path.hasSuffix("ServerHostName") || $0.path.hasSuffix(".Host") || $0.path.hasSuffix("PortNumber")
            }.map { "\($0.path): \($0.value)" }
        default:
            return []
        }
    }

    /// Runs `line` for every element path among `names` (numbered or not) that has children.
    private static func servers(_ fields: AnswerFields, _ names: [String], _ line: (String) -> String?) -> [String] {
        var prefixes: [String] = []
        for field in fields.fields {
            for name in names {
                guard let range = field.path.range(of: "/\(name)") else { continue }
                var end = range.upperBound
                if end < field.path.endIndex, field.path[end] == "[", let close = field.path[end...].firstIndex(of: "]") {
                    end = field.path.index(after: close)
                }
                let prefix = String(field.path[..<end])
                if !prefixes.contains(prefix) { prefixes.append(prefix) }
            }
        }
        return prefixes.compactMap(line)
    }

    // MARK: Helpers

    /// The system resolver's addresses for a name (what clients use).
    static func addresses(of host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var result: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !result.contains(address) { result.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return result
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") {
            return "timed out"
        }
        if text.contains("connection refused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        return text
    }

    /// Why a client refuses the certificate, in a sentence an operator can act on.
    static func certificateProblem(_ text: String, host: String, names: [String]) -> String {
        if text.contains("failedToValidateHostname") {
            let listed = names.isEmpty ? "no DNS names" : names.joined(separator: ", ")
            return "TLS: the certificate is not valid for \(host) (it names \(listed)): clients refuse it"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "TLS: the certificate chain does not verify against the trust store (--ca or the system's): \(text)"
        }
        return "TLS: \(text)"
    }

    static func isCertificateProblem(_ text: String) -> Bool {
        text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("failedToValidateHostname")
            || text.contains("certificate") || text.contains("handshakeFailed")
    }

    /// Percent-encodes a query value.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
