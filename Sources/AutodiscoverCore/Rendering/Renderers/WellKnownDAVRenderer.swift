/// RFC 6764 §5: `GET /.well-known/caldav` and `/.well-known/carddav` on the domain's host answer `301`
/// to the configured CalDAV or CardDAV URL (404 when the domain has none). iOS, macOS, DAVx5 and
/// Thunderbird find calendars and address books this way.
public struct WellKnownDAVRenderer: Renderer {
    public let id = RendererID.wellKnownDAV
    public let routes = [
        RouteSpec(["GET", "HEAD"], "/.well-known/caldav"),
        RouteSpec(["GET", "HEAD"], "/.well-known/carddav"),
    ]
    public let fileExtension = "txt"
    /// The `Location` names the domain's own URL: never shared between the domains of one shape, and
    /// too small to keep.
    public let usesAnswerCache = false
    static let contentType = "text/plain; charset=utf-8"

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        let carddav =
            request.path.utf8.count == "/.well-known/carddav".utf8.count
            && ASCII.equalsLowercased(request.path.utf8, "/.well-known/carddav".utf8)
        return RequestReading(renderer: id, address: nil, variant: carddav ? "carddav" : "caldav")
    }

    public let escaping = Escaping.html
    public let variants = ["caldav", "carddav"]

    public func write(_ domain: MailDomain, variant: String, into body: inout AnswerBuilder) -> AnswerHead {
        let service = variant == "carddav" ? domain.cardDAV : domain.calDAV
        guard let service else {
            body.raw("No \(variant == "carddav" ? "CardDAV" : "CalDAV") service is configured for this domain.\n")
            return AnswerHead(status: 404, contentType: Self.contentType)
        }
        body.raw("Moved to \(service.url)\n")
        return AnswerHead(status: 301, contentType: Self.contentType, headers: [("Location", service.url)])
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        let text =
            switch error {
            case .notFound: "No CalDAV or CardDAV service is configured for this domain."
            case .badRequest: "Bad request."
            case .methodNotAllowed: "Use GET."
            case .unavailable: "The settings for this domain are being looked up; try again."
            }
        return PreparedAnswer(contentType: Self.contentType, segments: [.literal(Array((text + "\n").utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "GET", target: "/.well-known/\(`protocol` == "carddav" ? "carddav" : "caldav")", host: address.domain.ascii)
    }
}
