import AutodiscoverCore
import Foundation
import Testing

/// Addresses with markup, quotes, Unicode and control characters, through every renderer:
/// the answer stays well-formed, and the address either comes back intact or the request is refused.
@Suite("Hostile addresses")
struct HostileAddressTests {
    static let addresses = [
        "o'brien@full.example", "a&b@full.example", "x{y}|z@full.example", "jörg@full.example", "名前@bücher.example",
        "tom\"quoted\"@full.example", "<script>alert(1)</script>@full.example", "x@full.example<b>",
        "a\u{7}b@full.example", "x\r\nSet-Cookie: a@full.example", "]]>@full.example", "a\u{0}@full.example",
        "&amp;@full.example", "a@full.example\"/><evil/>", "\u{202E}evil@full.example",
    ]

    static let cases: [(String, String)] = RendererRegistry.standard.ids.filter { $0 != .pacc && $0 != .wellKnownDAV }.flatMap {
        id in
        addresses.map { (id.rawValue, $0) }
    }

    /// The request a client would send with this exact address text, escaped for the transport.
    static func request(_ renderer: RendererID, _ address: String) -> IncomingRequest {
        let encoded = address.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        switch renderer {
        case .outlook, .mobilesync:
            let schema =
                renderer == .outlook
                ? "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
                : "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
            // Control characters travel as character references (the scanner decodes them, then refuses the address).
            let escaped = address.unicodeScalars.map { scalar in
                scalar.value < 0x20 ? "&#\(scalar.value);" : Escaper.escape(String(scalar), .xml)
            }.joined()
            let body =
                "<?xml version=\"1.0\"?><Autodiscover><Request><EMailAddress>\(escaped)</EMailAddress>"
                + "<AcceptableResponseSchema>\(schema)</AcceptableResponseSchema></Request></Autodiscover>"
            return IncomingRequest(method: "POST", target: "/autodiscover/autodiscover.xml", host: "x", body: Array(body.utf8))
        case .json:
            return IncomingRequest(
                method: "GET", target: "/autodiscover/autodiscover.json?Email=\(encoded)&Protocol=AutodiscoverV1", host: "x")
        case .thunderbird:
            return IncomingRequest(method: "GET", target: "/mail/config-v1.1.xml?emailaddress=\(encoded)", host: "x")
        default:
            return IncomingRequest(method: "GET", target: "/mobileconfig?emailaddress=\(encoded)&name=\(encoded)", host: "x")
        }
    }

    @Test("Well-formed answer; the address round-trips or the request is refused", arguments: cases)
    func roundTripsOrRefuses(rendererID: String, text: String) throws {
        let id = RendererID(rawValue: rendererID)
        let renderer = try #require(RendererRegistry.standard[id])
        let response = AnswerEngine().answer(Self.request(id, text), renderer: renderer, config: GoldenFixture.config)
        let valid = (try? EmailAddress(text)) != nil
        #expect(response.status == (valid ? 200 : 400), "\(text)")
        // Whatever the status, the body parses with a real parser of its format.
        let body = Data(response.body)
        if response.contentType.contains("xml") {
            #expect(XMLTree.parse(response.body) != nil, "not well-formed for \(text)")
        } else if response.contentType.contains("json") {
            #expect((try? JSONSerialization.jsonObject(with: body)) != nil)
        } else if response.contentType.contains("aspen") {
            let plist = try PropertyListSerialization.propertyList(from: body, format: nil) as? [String: Any]
            let mail = (plist?["PayloadContent"] as? [[String: Any]])?.first
            #expect(mail?["EmailAddress"] as? String == (try EmailAddress(text)).description)
        }
        guard valid else {
            #expect(!String(decoding: response.body, as: UTF8.self).contains(text) || text.allSatisfy(\.isLetter))
            return
        }
        let address = try EmailAddress(text)
        if id == .outlook {
            let root = try #require(XMLTree.parse(response.body))
            #expect(root.first("Response")?.first("User")?.value("AutoDiscoverSMTPAddress") == address.description)
        }
    }

    @Test("A POX body with the address unescaped is refused as malformed")
    func rawMarkupInPOX() {
        let body = "<Autodiscover><Request><EMailAddress>a<b>@full.example</EMailAddress></Request></Autodiscover>"
        let response = AnswerEngine().answer(
            IncomingRequest(method: "POST", target: "/autodiscover/autodiscover.xml", host: "x", body: Array(body.utf8)),
            renderer: OutlookPOXRenderer(), config: GoldenFixture.config)
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("<ErrorCode>600</ErrorCode>"))
    }
}
