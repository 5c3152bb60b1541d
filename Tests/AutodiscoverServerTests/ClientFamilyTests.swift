import AutodiscoverServer
import Testing

@Suite("Client family from the User-Agent")
struct ClientFamilyTests {
    @Test(
        "Real User-Agents map to their family, most specific first, case-insensitively",
        arguments: [
            ("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", ClientFamily.outlook),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0", .thunderbird),
            ("DeltaChat/1.42.2 (Android 14)", .deltachat),
            ("iOS/17.1 (21B74) dataaccessd/1.0", .apple),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15", .apple),
            ("Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7)", .android),
            ("K-9 Mail/6.712", .thunderbird),
            ("THUNDERBIRD", .thunderbird),
            ("curl/7.88.1", .other),
            ("h2load nghttp2/1.52.0", .other),
            ("", .other),
        ] as [(String, ClientFamily)])
    func classifies(_ agent: String, _ family: ClientFamily) {
        #expect(ClientFamily(userAgent: agent) == family)
    }

    @Test("No User-Agent is other")
    func missing() {
        #expect(ClientFamily(userAgent: nil) == .other)
    }
}
