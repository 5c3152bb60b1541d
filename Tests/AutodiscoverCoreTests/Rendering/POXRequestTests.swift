import AutodiscoverCore
import Testing

@Suite("POX request parsing")
struct POXRequestTests {
    static let outlook = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

    @Test(
        "Variations real clients send are accepted",
        arguments: [
            "<Autodiscover xmlns=\"x\"><Request><EMailAddress>a@b.example</EMailAddress><AcceptableResponseSchema>\(outlook)</AcceptableResponseSchema></Request></Autodiscover>",
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover>\n  <Request>\n    <EMailAddress>\n a@b.example \n</EMailAddress>\n    <AcceptableResponseSchema>\(outlook)</AcceptableResponseSchema>\n  </Request>\n</Autodiscover>\n",
            "<a:Autodiscover xmlns:a=\"x\"><a:Request><a:EMailAddress>a@b.example</a:EMailAddress><a:AcceptableResponseSchema>\(outlook)</a:AcceptableResponseSchema></a:Request></a:Autodiscover>",
            "<autodiscover><request><emailaddress>a@b.example</emailaddress><acceptableresponseschema>\(outlook)</acceptableresponseschema></request></autodiscover>",
            "<!-- a comment --><Autodiscover><Request><EMailAddress><![CDATA[a@b.example]]></EMailAddress><LegacyDN/><AcceptableResponseSchema>\(outlook)</AcceptableResponseSchema></Request></Autodiscover>",
            "<Autodiscover>\r\n<Request>\r\n<EMailAddress>\r\n\ta@b.example\r\n</EMailAddress>\r\n<AcceptableResponseSchema>\(outlook)\r\n</AcceptableResponseSchema>\r\n</Request>\r\n</Autodiscover>\r\n",
        ])
    func accepts(_ body: String) throws {
        var bytes = Array(body.utf8)
        if body.hasPrefix("\u{FEFF}") { bytes = [0xEF, 0xBB, 0xBF] + Array(body.dropFirst().utf8) }
        let request = try POXRequest.parse(bytes)
        #expect(request.emailAddress == "a@b.example")
        #expect(request.acceptableResponseSchema == Self.outlook)
    }

    @Test(
        "DOCTYPE, entities and malformed XML are refused",
        arguments: [
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>",
            "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><a>&lol2;</a>",
            "<Autodiscover><Request><EMailAddress>&unknown;</EMailAddress></Request></Autodiscover>",
            "<Autodiscover><Request><EMailAddress>a@b.example</Request></Autodiscover>",
            "<Autodiscover><Request>",
            "not xml at all",
            "<a/><b/>",
            "<a>&#0;</a>",
            String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40),
            "<a>" + String(repeating: "x", count: 5000) + "</a>",
            "",
        ])
    func refuses(_ body: String) {
        #expect(throws: RequestError.self) { try POXRequest.parse(Array(body.utf8)) }
    }

    @Test(
        "Bytes that are not XML characters are refused (found by FuzzPOXRequest)",
        arguments: [[0x94, 0x94], [0xC3], [0xED, 0xA0, 0x80], [0x01], [0x1B]] as [[UInt8]])
    func refusesBytes(_ bad: [UInt8]) {
        let body =
            Array("<Autodiscover><Request><EMailAddress>a".utf8) + bad
            + Array("@b.example</EMailAddress></Request></Autodiscover>".utf8)
        #expect(throws: RequestError.self) { try POXRequest.parse(body) }
    }

    /// The character check reads eight bytes a step: a byte is placed at each offset of two words and of
    /// the tail (inside a comment, which the check covers like the rest of the document).
    @Test(
        "A control byte is refused at any offset; tab, line breaks, DEL and UTF-8 pass",
        arguments: [
            ([0x01] as [UInt8], false), ([0x1F], false), ([0x00], false), ([0x09], true), ([0x0A], true),
            ([0x0D], true), ([0x7F], true), ([0xC3, 0xA9], true), ([0xC3], false),
        ])
    func charactersAtEveryOffset(_ inserted: [UInt8], _ accepted: Bool) {
        let document = Array(
            "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress><AcceptableResponseSchema>\(Self.outlook)</AcceptableResponseSchema></Request></Autodiscover>"
                .utf8)
        for offset in 0..<17 {
            let comment = Array("<!--".utf8) + Array(repeating: UInt8(ascii: "x"), count: offset) + inserted + Array("-->".utf8)
            for body in [comment + document, document + comment] {
                if accepted {
                    #expect((try? POXRequest.parse(body))?.emailAddress == "a@b.example", "offset \(offset)")
                } else {
                    #expect(throws: RequestError.self, "offset \(offset)") { try POXRequest.parse(body) }
                }
            }
        }
    }

    @Test(
        "Attribute values may hold the predefined entities and no others",
        arguments: [("a&amp;b", true), ("a&lt;b", true), ("a&bogus;b", false), ("a&b", false)])
    func attributeEntities(_ value: String, _ accepted: Bool) {
        let body = Array(
            "<Autodiscover xmlns=\"\(value)\"><Request><EMailAddress>a@b.example</EMailAddress></Request></Autodiscover>".utf8)
        if accepted {
            #expect((try? POXRequest.parse(body))?.emailAddress == "a@b.example")
        } else {
            #expect(throws: RequestError.self) { try POXRequest.parse(body) }
        }
    }
}

@Suite("Stable identifiers")
struct StableIdentifierTests {
    @Test("SHA-1 matches the FIPS 180 test vectors")
    func sha1() {
        #expect(StableUUID.digestHex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(StableUUID.digestHex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(
            StableUUID.digestHex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test("UUIDs are version 5, stable, and differ per input")
    func uuids() {
        let a = StableUUID.make("example.com\nalice@example.com\nmail")
        #expect(a == StableUUID.make("example.com\nalice@example.com\nmail"))
        #expect(a != StableUUID.make("example.com\nbob@example.com\nmail"))
        #expect(Array(a)[14] == "5")
        #expect(a.count == 36)
    }
}
