/// Autodiscover v2 (JSON): where Outlook and Microsoft's apps find the POX endpoint or the EAS URL.
///
/// `GET /autodiscover/autodiscover.json?Email=A&Protocol=P` or `…/autodiscover.json/v1.0/A?Protocol=P`.
/// `Protocol` is compared case-insensitively (Outlook 16 sends `Autodiscoverv1`).
public struct AutodiscoverV2JSONRenderer: Renderer {
    public let id = RendererID.json
    public let routes = [
        RouteSpec(["GET", "HEAD"], "/autodiscover/autodiscover.json"),
        RouteSpec(["GET", "HEAD"], "/autodiscover/autodiscover.json/", prefix: true),
    ]
    public let fileExtension = "json"
    public let followsAddressRedirects = false

    static let supported = "ActiveSync,AutodiscoverV1"

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        var address = try request.optionalAddress("Email")
        let prefix = "/autodiscover/autodiscover.json/v1.0/"
        let path = request.path.utf8
        // The path form Outlook sends (`…/v1.0/user@domain`), compared and cut by bytes.
        if address == nil, path.count > prefix.utf8.count,
            ASCII.equalsIgnoringCase(path.prefix(prefix.utf8.count), prefix.utf8)
        {
            let rest = request.path[path.index(path.startIndex, offsetBy: prefix.utf8.count)...]
            let text = PercentDecoding.decode(rest, plusAsSpace: false)
            do {
                address = try EmailAddress(text)
            } catch {
                throw .invalidAddress(error)
            }
        }
        let name = request.queryValue("Protocol") ?? "AutodiscoverV1"
        if name.caseInsensitiveEquals("autodiscoverv1") {
            return RequestReading(renderer: id, address: address, variant: "autodiscoverv1")
        }
        if name.caseInsensitiveEquals("activesync") {
            return RequestReading(renderer: id, address: address, variant: "activesync")
        }
        throw .invalidProtocol(name)
    }

    public let escaping = Escaping.json

    public let variants = ["autodiscoverv1", "activesync"]

    public func write(_ domain: MailDomain, variant: String, into json: inout AnswerBuilder) -> AnswerHead {
        if variant == "activesync" {
            guard let eas = domain.activeSync, domain.redirect == nil else {
                return json.answer(invalidProtocol("ActiveSync", supported: "AutodiscoverV1"))
            }
            json.raw("{\"Protocol\":\"ActiveSync\",\"Url\":\"")
            json.text(eas.url)
        } else {
            json.raw("{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"")
            if case .url(let url)? = domain.redirect {
                json.text(url)
            } else {
                json.value(.autodiscoverURL(domain.autodiscover))
            }
        }
        json.raw("\"}\n")
        return AnswerHead(contentType: "application/json")
    }

    private func invalidProtocol(_ name: String, supported: String) -> PreparedAnswer {
        var json = JSONWriter()
        json.beginObject()
        json.field("ErrorCode", "InvalidProtocol")
        json.field(
            "ErrorMessage", "The given protocol value '\(name)' is invalid. Supported values are '\(supported)'")
        json.endObject()
        return PreparedAnswer(status: 400, contentType: "application/json", segments: [.literal(json.bytes + [10])])
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        switch error {
        case .badRequest(.invalidProtocol(let name)):
            return invalidProtocol(name, supported: AutodiscoverV2JSONRenderer.supported)
        case .badRequest(let reason):
            return message("InvalidRequest", reason.description)
        case .notFound:
            return message("NotFound", "No configuration for this domain.")
        case .methodNotAllowed:
            return message("MethodNotAllowed", "Use GET.")
        case .unavailable:
            return message("ServiceUnavailable", "The settings are being looked up; try again.")
        }
    }

    private func message(_ code: String, _ text: String) -> PreparedAnswer {
        var json = JSONWriter()
        json.beginObject()
        json.field("ErrorCode", code)
        json.field("ErrorMessage", text)
        json.endObject()
        return PreparedAnswer(contentType: "application/json", segments: [.literal(json.bytes + [10])])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        let email = URLQuery.encode(address.description)
        let name = URLQuery.encode(`protocol` ?? "AutodiscoverV1")
        return IncomingRequest(
            method: "GET", target: "/autodiscover/autodiscover.json?Email=\(email)&Protocol=\(name)&RedirectCount=1",
            host: "autodiscover.\(address.domain.ascii)")
    }
}

/// Percent-encoding for query values in sample requests.
enum URLQuery {
    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "@"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                output += "%"
                output.unicodeScalars.append(hex[Int(byte >> 4)])
                output.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return output
    }
}
