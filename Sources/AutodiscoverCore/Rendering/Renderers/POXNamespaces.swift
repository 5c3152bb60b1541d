/// The XML namespaces of Outlook and ActiveSync autodiscover (MS-OXDSCLI, MS-ASCMD).
enum POXNamespace {
    static let outlookRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
    static let response = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
    static let outlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
    static let mobileSyncRequest = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
    static let mobileSyncResponse = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

    static let contentType = "text/xml; charset=utf-8"
    /// The `Id` attribute of error documents: any integer identifies the server.
    static let serverID = "2477272013"

    /// An `Error` document: `<Response>` (in `responseNamespace` when given) holding code and message.
    static func errorDocument(
        code: Int, message: String, responseNamespace: String?, status: Int = 200
    ) -> PreparedAnswer {
        var xml = AnswerBuilder(escaping: .xml)
        xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        xml.open("Autodiscover", [("xmlns", response)])
        xml.open("Response", responseNamespace.map { [("xmlns", $0)] } ?? [])
        xml.raw("    <Error Time=\"")
        xml.value(.time)
        xml.raw("\" Id=\"\(serverID)\">\n")
        xml.raw("      <ErrorCode>\(code)</ErrorCode>\n")
        xml.raw("      <Message>")
        xml.text(message)
        xml.raw("</Message>\n")
        xml.raw("      <DebugData/>\n")
        xml.raw("    </Error>\n")
        xml.close("Response")
        xml.close("Autodiscover")
        return PreparedAnswer(status: status, contentType: contentType, segments: xml.finish())
    }

    /// The error document for an ``AnswerError`` (MS-OXDSCLI's codes), with `Response` in
    /// `responseNamespace` when given.
    static func errorDocument(_ error: AnswerError, responseNamespace: String?) -> PreparedAnswer {
        let (code, message) =
            switch error {
            case .notFound: (500, "The email address can't be found.")
            case .badRequest(.unsupportedSchema): (601, "The requested schema is not available.")
            case .badRequest, .methodNotAllowed: (600, "Invalid Request")
            case .unavailable: (603, "The server is temporarily unavailable.")
            }
        return errorDocument(code: code, message: message, responseNamespace: responseNamespace)
    }

    /// Reads a POX request body: the address and which response schema the client wants.
    static func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        // Delta Chat (and Outlook's http probe) GET the path without a body: answer for the Host's domain.
        if request.method != "POST" || request.body.isEmpty {
            if request.method == "POST" { throw .invalidXML("empty body") }
            return RequestReading(renderer: .outlook, address: nil)
        }
        let parsed = try POXRequest.parse(request.body)
        let schema = parsed.acceptableResponseSchema ?? outlookResponse
        let renderer: RendererID
        if schema.caseInsensitiveEquals(outlookResponse) {
            renderer = .outlook
        } else if schema.caseInsensitiveEquals(mobileSyncResponse) {
            renderer = .mobilesync
        } else {
            throw .unsupportedSchema(schema)
        }
        guard let text = parsed.emailAddress, !text.isEmpty else { throw .missingAddress }
        do {
            return RequestReading(renderer: renderer, address: try EmailAddress(text))
        } catch {
            throw .invalidAddress(error)
        }
    }

    /// A request body as clients send it.
    static func requestBody(address: EmailAddress, requestNamespace: String, responseNamespace: String) -> [UInt8] {
        var xml = AnswerBuilder(escaping: .xml)
        xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        xml.open("Autodiscover", [("xmlns", requestNamespace)])
        xml.open("Request")
        xml.element("EMailAddress", address.description)
        xml.element("AcceptableResponseSchema", responseNamespace)
        xml.close("Request")
        xml.close("Autodiscover")
        return PreparedAnswer(contentType: "", segments: xml.finish()).body(
            for: AnswerContext(address: nil, requestedDomain: address.domain))
    }
}
