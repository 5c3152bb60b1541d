/// An answer built once per domain and format: literal bytes with slots for what depends on the request.
///
/// Filling it in costs one pass of appends; no XML, JSON or plist is built per request.
public struct PreparedAnswer: Sendable {
    /// One piece of an answer body.
    public indirect enum Segment: Sendable {
        case literal([UInt8])
        case value(AnswerValue, Escaping)
        /// Present only when the request carried an address.
        case ifAddress([Segment])
        /// Present only when it did not.
        case ifNoAddress([Segment])
    }

    /// Status and headers, their HTTP/1.1 field lines encoded once.
    public let head: AnswerHead
    public var segments: [Segment]

    /// HTTP status code.
    public var status: Int { head.status }
    /// The `Content-Type` header.
    public var contentType: String { head.contentType }
    /// Other headers (e.g. `Content-Disposition`), in order.
    public var headers: [(String, String)] { head.headers }

    public init(status: Int = 200, contentType: String, headers: [(String, String)] = [], segments: [Segment]) {
        self.init(AnswerHead(status: status, contentType: contentType, headers: headers), segments: segments)
    }

    /// Bytes reserved for a body up front: most answers fit, so filling one rarely grows the buffer.
    static let typicalBodySize = 2048

    public init(_ head: AnswerHead, segments: [Segment]) {
        self.head = head
        self.segments = segments
    }

    /// Status and headers, a shape's domain markers in header values filled in (``DomainShapes``).
    public func head(for context: AnswerContext) -> AnswerHead {
        guard let domain = context.domain, headers.contains(where: { DomainSlot.occurs(in: $0.1) }) else { return head }
        return AnswerHead(
            status: status, contentType: contentType, headers: headers.map { ($0.0, domain.filling($0.1)) })
    }

    /// True when the body is the same for every request (no slots).
    public var isStatic: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// The body for one request.
    public func body(for context: AnswerContext) -> [UInt8] {
        var output = ByteWriter(capacity: PreparedAnswer.typicalBodySize)
        PreparedAnswer.append(segments, context: context, to: &output)
        return output.take()
    }

    static func append(_ segments: [Segment], context: AnswerContext, to output: inout ByteWriter) {
        append(segments, context: context, hasAddress: context.address != nil, to: &output)
    }

    /// `hasAddress` is read once per answer, not per conditional segment (each test copied the address).
    private static func append(
        _ segments: [Segment], context: AnswerContext, hasAddress: Bool, to output: inout ByteWriter
    ) {
        for segment in segments {
            switch segment {
            case .literal(let bytes):
                output.append(bytes)
            case .value(let value, let escaping):
                guard let text = context.text(for: value) else { continue }
                Escaper.append(text, escaping, to: &output)
            case .ifAddress(let inner):
                if hasAddress { append(inner, context: context, hasAddress: hasAddress, to: &output) }
            case .ifNoAddress(let inner):
                if !hasAddress { append(inner, context: context, hasAddress: hasAddress, to: &output) }
            }
        }
    }
}

/// An answer's status and headers: what a renderer returns besides the body it wrote.
public struct AnswerHead: Sendable {
    public let status: Int
    /// The `Content-Type` header.
    public let contentType: String
    /// Other headers (e.g. `Content-Disposition`), in order.
    public let headers: [(String, String)]
    /// `Content-Type` and the other headers as HTTP/1.1 field lines (`Name: value` and CRLF each), encoded
    /// when the head is made: a kept answer's response head is then one copy, not a write per header.
    public let fieldLines: [UInt8]

    public init(status: Int = 200, contentType: String, headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        var lines: [UInt8] = []
        lines.reserveCapacity(16 + contentType.utf8.count + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        func line(_ name: String, _ value: String) {
            lines.append(contentsOf: name.utf8)
            lines.append(UInt8(ascii: ":"))
            lines.append(UInt8(ascii: " "))
            lines.append(contentsOf: value.utf8)
            lines.append(UInt8(ascii: "\r"))
            lines.append(UInt8(ascii: "\n"))
        }
        line("Content-Type", contentType)
        for (name, value) in headers { line(name, value) }
        fieldLines = lines
    }
}

/// What one request contributes to an answer.
public struct AnswerContext: Sendable {
    public var address: EmailAddress?
    /// The domain the answer is for.
    public var requestedDomain: DomainName
    /// An account name the client asked for (Apple profile), if any.
    public var accountName: String?
    /// Seconds since midnight UTC and nanoseconds, for POX error `Time` attributes.
    public var time: (seconds: Int, nanoseconds: Int)
    /// The answering domain's name and display names, when its answer is its shape's (``DomainShapes``).
    public var domain: DomainTexts?

    public init(
        address: EmailAddress?, requestedDomain: DomainName, accountName: String? = nil,
        time: (seconds: Int, nanoseconds: Int) = (0, 0), domain: DomainTexts? = nil
    ) {
        self.address = address
        self.requestedDomain = requestedDomain
        self.accountName = accountName
        self.time = time
        self.domain = domain
    }

    /// The text of a value for this request; nil when it needs an address and there is none.
    public func text(for value: AnswerValue) -> String? {
        switch value {
        case .address: return address?.description
        case .localPart: return address?.localPart
        case .addressDomain: return address?.domain.ascii
        case .username(let template):
            return address.map(template.fill) ?? template.text
        case .requestedDomain: return requestedDomain.ascii
        case .requestedDomainUnicode: return requestedDomain.unicode
        case .redirectAddress(let domain):
            return address.map { "\($0.localPart)@\(domain.ascii)" }
        case .stableUUID(let salt):
            return StableUUID.make("\(requestedDomain.ascii)\n\(address?.description ?? "")\n\(salt)")
        case .payloadIdentifier(let suffix):
            let digest = StableUUID.digestHex(address?.description.lowercased() ?? requestedDomain.ascii).prefix(12)
            return "autodiscover.\(requestedDomain.ascii).\(digest)\(suffix)"
        case .autodiscoverURL(let endpoint):
            return endpoint.url(for: requestedDomain)
        case .time:
            let seconds = time.seconds % 86_400
            let fraction = String(time.nanoseconds / 100)
            let padded = String(repeating: "0", count: max(0, 7 - fraction.count)) + fraction
            return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)).\(padded)"
        case .accountName:
            return accountName ?? address?.description
        case .domainName: return domain?.name
        case .displayName: return domain?.displayName
        case .displayShortName: return domain?.displayShortName
        }
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
