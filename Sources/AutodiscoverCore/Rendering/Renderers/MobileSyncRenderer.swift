/// ActiveSync autodiscover, POX mobilesync schema 2006 (MS-ASCMD): the EAS URL for phones and tablets.
///
/// Shares the POX route with ``OutlookPOXRenderer``, which hands over requests whose
/// `AcceptableResponseSchema` is the mobilesync one.
public struct MobileSyncRenderer: Renderer {
    public let id = RendererID.mobilesync
    public let routes: [RouteSpec] = []
    public let fileExtension = "xml"
    public let followsAddressRedirects = false

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        try POXNamespace.read(request)
    }

    public let escaping = Escaping.xml

    public func write(_ domain: MailDomain, variant: String, into xml: inout AnswerBuilder) -> AnswerHead {
        if case .url? = domain.redirect {
            return xml.answer(noActiveSync())
        }
        if domain.redirect == nil, domain.activeSync == nil {
            return xml.answer(noActiveSync())
        }
        xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        xml.open("Autodiscover", [("xmlns", POXNamespace.response)])
        xml.open("Response", [("xmlns", POXNamespace.mobileSyncResponse)])
        xml.element("Culture", "en:us")
        xml.open("User")
        xml.element("DisplayName", domain.displayName)
        xml.element("EMailAddress", value: .address)
        xml.close("User")
        xml.open("Action")
        if case .addressDomain(let target)? = domain.redirect {
            xml.element("Redirect", value: .redirectAddress(target))
        } else if let eas = domain.activeSync {
            xml.open("Settings")
            xml.open("Server")
            xml.element("Type", "MobileSync")
            xml.element("Url", eas.url)
            xml.element("Name", eas.url)
            xml.close("Server")
            xml.close("Settings")
        }
        xml.close("Action")
        xml.close("Response")
        xml.close("Autodiscover")
        return AnswerHead(contentType: POXNamespace.contentType)
    }

    private func noActiveSync() -> PreparedAnswer {
        POXNamespace.errorDocument(
            code: 601, message: "ActiveSync is not offered for this domain.",
            responseNamespace: POXNamespace.mobileSyncResponse, status: 200)
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        POXNamespace.errorDocument(error, responseNamespace: POXNamespace.mobileSyncResponse)
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "POST", target: "/autodiscover/autodiscover.xml", host: address.domain.ascii,
            body: POXNamespace.requestBody(
                address: address, requestNamespace: POXNamespace.mobileSyncRequest,
                responseNamespace: POXNamespace.mobileSyncResponse))
    }
}
