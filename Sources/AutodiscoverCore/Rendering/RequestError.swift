/// A request the service cannot answer as asked: a client mistake, never a server fault.
public enum RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address in the request is not a valid mailbox address.
    case invalidAddress(AddressError)
    /// The format needs an address and the request has none.
    case missingAddress
    /// The POX body is not XML this service accepts (malformed, DOCTYPE, entities, too deep or large).
    case invalidXML(String)
    /// The POX request asks for a response schema this service does not offer.
    case unsupportedSchema(String)
    /// The v2 JSON request asks for a protocol this service does not offer.
    case invalidProtocol(String)

    public var description: String {
        switch self {
        case .invalidAddress(let error): return "invalid address: \(error)"
        case .missingAddress: return "the request has no address"
        case .invalidXML(let reason): return "invalid XML: \(reason)"
        case .unsupportedSchema(let schema): return "unsupported response schema \(schema)"
        case .invalidProtocol(let name): return "invalid protocol \(name)"
        }
    }
}

/// Why an answer is an error document.
public enum AnswerError: Sendable, Equatable {
    /// No configured domain serves the request (HTTP 404).
    case notFound
    /// The request itself is wrong (HTTP 400, or what the format prescribes).
    case badRequest(RequestError)
    /// The path exists but not for this method (HTTP 405).
    case methodNotAllowed
    /// The domain's settings come from DNS and have not been looked up yet (HTTP 503 with `Retry-After`).
    case unavailable

    /// The HTTP status of an error document: the one place errors become statuses (every renderer's
    /// document, the 405 of a known path). POX's "schema not available" (601) is a document MS-OXDSCLI
    /// sends with 200.
    public var status: Int {
        switch self {
        case .notFound: 404
        case .badRequest(.unsupportedSchema): 200
        case .badRequest: 400
        case .methodNotAllowed: 405
        case .unavailable: 503
        }
    }

    /// Headers every error document carries for this error: `Retry-After` on a 503.
    public var headers: [(String, String)] {
        self == .unavailable ? [Self.retryAfter] : []
    }

    /// The `Retry-After` of a 503, in seconds.
    public static let retryAfterSeconds = 5
    /// The header every renderer's 503 carries.
    public static let retryAfter = ("Retry-After", String(retryAfterSeconds))
}
