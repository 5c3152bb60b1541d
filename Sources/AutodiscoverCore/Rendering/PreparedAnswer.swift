/// An answer built once per domain and format: literal bytes with slots for what depends on the request.
///
/// Filling it in costs one pass of appends; no XML, JSON or plist is built per request. The segments a
/// renderer wrote are kept as a ``FillProgram``: one byte array for every literal and a list of plain
/// steps, so a fill copies ranges of one array and touches no reference counts but the values'.
public struct PreparedAnswer: Sendable {
    /// One piece of an answer body.
    public enum Segment: Sendable {
        case literal([UInt8])
        case value(AnswerValue, Escaping)
        /// Present only when the request carried an address.
        case ifAddress([Segment])
        /// Present only when it did not.
        case ifNoAddress([Segment])
    }

    /// Status and headers.
    public let head: AnswerHead
    private let program: FillProgram

    /// The body as segments (adjacent literals joined).
    public var segments: [Segment] { program.segments }

    /// HTTP status code.
    public var status: Int { head.status }
    /// The `Content-Type` header.
    public var contentType: String { head.contentType }
    /// Other headers (e.g. `Content-Disposition`), in order.
    public var headers: [(String, String)] { head.headers }

    public init(status: Int = 200, contentType: String, headers: [(String, String)] = [], segments: [Segment]) {
        self.init(AnswerHead(status: status, contentType: contentType, headers: headers), segments: segments)
    }

    /// Bytes reserved for a body written directly (``AnswerBuilder``): most answers fit, so writing one
    /// rarely grows the buffer.
    static let typicalBodySize = 2048

    /// Bytes reserved for a fill beyond the literals, for the values filled in.
    static let filledValuesSize = 256

    public init(_ head: AnswerHead, segments: [Segment]) {
        self.head = head
        program = FillProgram(segments)
    }

    private init(_ head: AnswerHead, program: FillProgram) {
        self.head = head
        self.program = program
    }

    /// The same body with another status and more headers (an error document made an error answer).
    public func with(status: Int, addingHeaders extra: [(String, String)]) -> PreparedAnswer {
        PreparedAnswer(AnswerHead(status: status, contentType: contentType, headers: headers + extra), program: program)
    }

    /// Status and headers, a shape's domain markers in header values filled in (``DomainShapes``).
    public func head(for context: AnswerContext) -> AnswerHead {
        guard let domain = context.domain, headers.contains(where: { DomainSlot.occurs(in: $0.1) }) else { return head }
        return AnswerHead(
            status: status, contentType: contentType, headers: headers.map { ($0.0, domain.filling($0.1)) })
    }

    /// True when the body is the same for every request (no slots).
    public var isStatic: Bool { program.isStatic }

    /// The body for one request.
    public func body(for context: AnswerContext) -> [UInt8] {
        // The same for every request (not-found documents, answers without an address): shared, not copied.
        if program.isStatic { return program.bytes }
        var output = ByteWriter(capacity: program.literalBytes + PreparedAnswer.filledValuesSize)
        append(for: context, to: &output)
        return output.take()
    }

    /// Appends the body for one request.
    func append(for context: AnswerContext, to output: inout ByteWriter) {
        program.run(context, into: &output)
    }
}

/// A prepared body as one byte array of literals and a flat list of steps: copy a range, fill in a value,
/// or skip the steps of a branch that does not apply.
final class FillProgram: Sendable {
    private enum Kind: UInt8 {
        /// `bytes[start..<start + count]`.
        case literal
        /// `values[start]`.
        case value
        /// The next `count` steps apply only with an address / only without one.
        case ifAddress, ifNoAddress
    }

    private struct Step {
        var kind: Kind
        var start: Int32
        var count: Int32
    }

    /// Every literal in order (for a static program, the whole body).
    let bytes: [UInt8]
    private let steps: [Step]
    private let values: [(AnswerValue, Escaping)]
    /// Bytes of literal text (what every fill copies at most).
    let literalBytes: Int
    /// Only literals: the body is the literal bytes as they are, in order.
    let isStatic: Bool

    init(_ segments: [PreparedAnswer.Segment]) {
        var bytes: [UInt8] = []
        var steps: [Step] = []
        var values: [(AnswerValue, Escaping)] = []
        /// The last step is a literal the next literal may extend: none since, and no branch opened or
        /// closed in between (joining across a branch's end would make the next literal conditional).
        var joinable = false
        func compile(_ segments: [PreparedAnswer.Segment]) {
            for segment in segments {
                switch segment {
                case .literal(let literal):
                    guard !literal.isEmpty else { continue }
                    if joinable {
                        steps[steps.count - 1].count += Int32(literal.count)
                    } else {
                        steps.append(Step(kind: .literal, start: Int32(bytes.count), count: Int32(literal.count)))
                        joinable = true
                    }
                    bytes.append(contentsOf: literal)
                case .value(let value, let escaping):
                    // One slot for each different value: a fill writes it once and copies it where it recurs.
                    let slot =
                        values.firstIndex(where: { $0.0 == value && $0.1 == escaping })
                        ?? {
                            values.append((value, escaping))
                            return values.count - 1
                        }()
                    steps.append(Step(kind: .value, start: Int32(slot), count: 0))
                    joinable = false
                case .ifAddress(let inner), .ifNoAddress(let inner):
                    let branch = steps.count
                    if case .ifAddress = segment {
                        steps.append(Step(kind: .ifAddress, start: 0, count: 0))
                    } else {
                        steps.append(Step(kind: .ifNoAddress, start: 0, count: 0))
                    }
                    joinable = false
                    compile(inner)
                    steps[branch].count = Int32(steps.count - branch - 1)
                    joinable = false
                }
            }
        }
        compile(segments)
        self.bytes = bytes
        self.steps = steps
        self.values = values
        literalBytes = bytes.count
        isStatic = steps.allSatisfy { $0.kind == .literal }
    }

    /// Writes the body: literals copied, each value made and escaped the first time it occurs and copied
    /// from what was written where it recurs (an address filled in five places is escaped once).
    func run(_ context: AnswerContext, into output: inout ByteWriter) {
        let hasAddress = context.address != nil
        withUnsafeTemporaryAllocation(of: Range<Int>?.self, capacity: max(values.count, 1)) { written in
            written.initialize(repeating: nil)
            bytes.withUnsafeBytes { bytes in
                steps.withUnsafeBufferPointer { steps in
                    var index = 0
                    while index < steps.count {
                        let step = steps[index]
                        index += 1
                        switch step.kind {
                        case .literal:
                            output.append(UnsafeRawBufferPointer(rebasing: bytes[Int(step.start)..<Int(step.start + step.count)]))
                        case .value:
                            let slot = Int(step.start)
                            if let range = written[slot] {
                                output.appendWritten(range)
                            } else {
                                let start = output.count
                                let (value, escaping) = values[slot]
                                if let text = context.text(for: value) { Escaper.append(text, escaping, to: &output) }
                                written[slot] = start..<output.count
                            }
                        case .ifAddress:
                            if !hasAddress { index += Int(step.count) }
                        case .ifNoAddress:
                            if hasAddress { index += Int(step.count) }
                        }
                    }
                }
            }
        }
    }

    /// The steps as segments again (for a builder that writes this answer into another).
    var segments: [PreparedAnswer.Segment] {
        var index = 0
        func decompile(until end: Int) -> [PreparedAnswer.Segment] {
            var result: [PreparedAnswer.Segment] = []
            while index < end {
                let step = steps[index]
                index += 1
                switch step.kind {
                case .literal: result.append(.literal(Array(bytes[Int(step.start)..<Int(step.start + step.count)])))
                case .value: result.append(.value(values[Int(step.start)].0, values[Int(step.start)].1))
                case .ifAddress: result.append(.ifAddress(decompile(until: index + Int(step.count))))
                case .ifNoAddress: result.append(.ifNoAddress(decompile(until: index + Int(step.count))))
                }
            }
            return result
        }
        return decompile(until: steps.count)
    }
}

/// An answer's status and headers: what a renderer returns besides the body it wrote.
public final class AnswerHead: Sendable {
    public let status: Int
    /// The `Content-Type` header.
    public let contentType: String
    /// Other headers (e.g. `Content-Disposition`), in order.
    public let headers: [(String, String)]

    public init(status: Int = 200, contentType: String, headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
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
    /// True when Apple profiles are signed (`signing:` configured): the settings page says so.
    public var profilesSigned = false

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
        case .usernameForPeople(let template):
            return address.map(template.fill) ?? template.forPeople
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
        case .profileSigning:
            return profilesSigned
                ? "Signed: your device shows the profile as verified."
                : "Not signed: your device will say so; install it only from this page."
        }
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
