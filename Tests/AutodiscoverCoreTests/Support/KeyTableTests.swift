import Testing

@testable import AutodiscoverCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("Config key lookup and growable buffers")
struct KeyTableTests {
    /// Each row: a key as written, and the case it names (nil: none). Matching is exact, as
    /// `init(rawValue:)` is: same length, same bytes.
    @Test(
        "A key names its case by length and bytes, exactly as init(rawValue:) does",
        arguments: [
            ("imap", ServiceSetKey.imap), ("pop3", .pop3), ("smtp", .smtp), ("xmpp", .xmpp),
            ("caldav", .caldav), ("carddav", .carddav), ("activesync", .activesync), ("source", .source),
            ("display_name", .displayName), ("display_short_name", .displayShortName),
            ("autodiscover", .autodiscover), ("provider", .provider), ("redirect", .redirect),
            ("aliases", .aliases), ("IMAP", nil), ("imap ", nil), ("ima", nil), ("", nil), ("displayname", nil),
            ("imäp", nil), ("display_name\u{0}", nil),
        ] as [(String, ServiceSetKey?)])
    func serviceSetKeys(_ text: String, _ expected: ServiceSetKey?) {
        #expect(ServiceSetKey.named[text] == expected)
        #expect(ServiceSetKey(rawValue: text) == expected)
    }

    @Test("Every case of the server keys is found by its own name, and its service by the key")
    func everyCase() {
        for key in MailServerKey.allCases { #expect(MailServerKey.named[key.rawValue] == key) }
        for key in ServiceSetKey.allCases {
            #expect(ServiceSetKey.named[key.rawValue] == key)
            #expect(key.service == ServiceKind(rawValue: key.rawValue))
        }
        // A substring's storage is shared with its base string: only its own bytes count.
        let line = "socket: SSL"
        #expect(MailServerKey.named[String(line.prefix(6))] == .socket)
    }

    @Test(
        "A growable buffer keeps what was appended across growth, and hands it over whole", arguments: [0, 1, 15, 16, 17, 1000])
    func growableBuffer(count: Int) {
        var buffer = GrowableBuffer<UInt32>(capacity: 1)
        for value in 0..<count { buffer.append(UInt32(value)) }
        let tail: [UInt32] = [7, 8, 9]
        tail.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
        #expect(buffer.count == count + 3)
        if count > 0 {
            buffer[0] = 42
            #expect(buffer[0] == 42)
        }
        let released = buffer.release()
        defer { free(released.baseAddress) }
        #expect(buffer.count == 0)
        #expect(Array(released) == (count > 0 ? [42] + (1..<count).map(UInt32.init) : []) + tail)
    }
}
