/// Turns one configured domain into a ready-to-serve answer for one client family.
///
/// A renderer is pure: no I/O, no clock, no randomness. It reads what it needs from a request,
/// writes a domain's answer through an ``AnswerBuilder`` (literal bytes plus slots for the address),
/// and shapes its own error documents. The same `write` prepares an answer kept for a domain's later
/// requests and fills one in directly for a domain asked for once. Adding a format is one new file in
/// `Renderers/` plus one line in ``RendererRegistry/standard``:
///
/// ```swift
/// struct PlainTextRenderer: Renderer {
///     let id: RendererID = "text"
///     let routes = [RouteSpec(["GET"], "/settings.txt")]
///     let fileExtension = "txt"
///     let escaping = Escaping.html
///     func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
///         RequestReading(renderer: id, address: try request.optionalAddress("email"))
///     }
///     func write(_ domain: MailDomain, variant: String, into body: inout AnswerBuilder) -> AnswerHead {
///         body.text("IMAP: \(domain.imap.first?.host ?? "none")\n")
///         return AnswerHead(contentType: "text/plain; charset=utf-8")
///     }
///     func errorDocument(_ error: AnswerError) -> PreparedAnswer { … }
///     func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest { … }
/// }
/// ```
public protocol Renderer: Sendable {
    var id: RendererID { get }
    /// The paths this renderer answers (may be empty when another renderer's route hands over to it).
    var routes: [RouteSpec] { get }
    /// File extension of its answers (golden files, CLI output names).
    var fileExtension: String { get }
    /// Whether the answer for a domain that redirects to another address domain is that domain's
    /// answer (true), or a redirect document of the format's own (false, Outlook and ActiveSync).
    var followsAddressRedirects: Bool { get }
    /// True for Apple profiles: with `signing:` configured, a 200's body is signed (CMS) before it is sent.
    var isSignedProfile: Bool { get }
    /// False for answers that must be written for their own domain every time (never kept or shared).
    var usesAnswerCache: Bool { get }
    /// Every `variant` its `read` can hand to `write` (a domain's answers are one per variant).
    var variants: [String] { get }

    /// Reads which renderer answers (usually this one), the address and the variant from a request.
    func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading
    /// How text from config and requests is escaped in this format's answers.
    var escaping: Escaping { get }
    /// Writes one domain's answer for one variant into `body`; returns its status and headers.
    func write(_ domain: MailDomain, variant: String, into body: inout AnswerBuilder) -> AnswerHead
    /// The format's own error document for `error` (its text, content type and the format's headers): its
    /// status and `Retry-After` are set by ``AnswerEngine/errorAnswer(_:_:)`` from ``AnswerError/status``.
    func errorDocument(_ error: AnswerError) -> PreparedAnswer
    /// The request a real client sends for `address` (used by `render` and the golden tests).
    func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest
}

extension Renderer {
    public var followsAddressRedirects: Bool { true }
    public var isSignedProfile: Bool { false }
    public var usesAnswerCache: Bool { true }
    public var variants: [String] { [""] }

    /// One domain's answer for one variant with slots for the request: kept and reused for every request.
    ///
    /// - Parameter slotsForDomain: `domain` is a shape (``DomainShapes``): its markers become slots.
    public func prepare(_ domain: MailDomain, variant: String, slotsForDomain: Bool = false) -> PreparedAnswer {
        var body = AnswerBuilder(escaping: escaping, slotsForDomain: slotsForDomain)
        let head = write(domain, variant: variant, into: &body)
        return PreparedAnswer(head, segments: body.finish())
    }

    /// One domain's answer for one request, written directly: what `prepare` and then filling in give,
    /// without the slots and segments a kept answer needs.
    public func fill(_ domain: MailDomain, variant: String, for context: AnswerContext) -> (head: AnswerHead, body: [UInt8]) {
        var body = AnswerBuilder(escaping: escaping, filling: context)
        let head = write(domain, variant: variant, into: &body)
        return (head, body.finishBytes())
    }
}

/// What a renderer read from a request.
public struct RequestReading: Sendable {
    /// The renderer that answers (the POX route hands mobilesync requests to its own renderer).
    public var renderer: RendererID
    public var address: EmailAddress?
    /// Which prepared answer of the domain: e.g. the v2 JSON protocol. Empty for most formats.
    public var variant: String
    /// An account name the client supplied (Apple profile `name`).
    public var accountName: String?

    public init(renderer: RendererID, address: EmailAddress?, variant: String = "", accountName: String? = nil) {
        self.renderer = renderer
        self.address = address
        self.variant = variant
        self.accountName = accountName
    }
}

extension IncomingRequest {
    /// The address in the first of the named query parameters, if any; an invalid one is an error.
    public func optionalAddress(_ names: String...) throws(RequestError) -> EmailAddress? {
        for name in names {
            if let address = try optionalAddress(name) { return address }
        }
        return nil
    }

    /// The address in the query parameter `name`, if any; an invalid one is an error.
    public func optionalAddress(_ name: String) throws(RequestError) -> EmailAddress? {
        guard let text = queryValue(name), !text.isEmpty else { return nil }
        do {
            return try EmailAddress(text)
        } catch {
            throw .invalidAddress(error)
        }
    }
}
