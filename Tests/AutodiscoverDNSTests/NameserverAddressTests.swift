import Testing

@testable import AutodiscoverDNS

@Suite struct NameserverAddressTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1:5353", "127.0.0.1:5353"),
        ("[::1]:5353", "[::1]:5353"),
        ("::1", "[::1]:53"),
        ("localhost:53", "127.0.0.1:53"),
    ])
    func accepted(text: String, expected: String) throws {
        #expect(try DNSResolver.serverAddress(text) == expected)
    }

    @Test(arguments: ["127.0.0.1:port", "127.0.0.1:70000", "[::1", "[::1]5353", "no-such-host.invalid"])
    func refused(text: String) {
        #expect(throws: DNSResolverError.self) { try DNSResolver.serverAddress(text) }
    }
}
