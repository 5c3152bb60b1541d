import AutodiscoverCore
import Foundation
import Testing

@testable import AutodiscoverProbe

/// The probe's pieces that need no network: the --resolve / --connect-to map and reading answers into
/// fields that compare (the whole probe runs against a real deployment in `scripts/system-tests/probe_check.py`).
@Suite("Probe: mappings and answers read as fields")
struct ProbeReadingTests {
    @Test("--resolve and --connect-to map a name and port, brackets around IPv6 addresses")
    func mappings() throws {
        var map = ConnectionMap()
        try map.addResolve("autoconfig.example.com:443:127.0.0.1")
        try map.addConnectTo("Example.com:443:[::1]:8443")
        #expect(map.target(host: "autoconfig.example.com", port: 443)! == ("127.0.0.1", 443))
        #expect(map.target(host: "example.com", port: 443)! == ("::1", 8443))
        #expect(map.target(host: "example.com", port: 80) == nil)
        #expect(throws: ProbeInputError.self) { try map.addResolve("example.com:443") }
        #expect(throws: ProbeInputError.self) { try map.addConnectTo("example.com:443:127.0.0.1:70000") }
    }

    static let autoconfig = """
        <?xml version="1.0" encoding="UTF-8"?>
        <clientConfig version="1.1"><emailProvider id="example.com">
        <incomingServer type="imap"><hostname>imap.example.com</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>465</port></outgoingServer>
        <outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>587</port></outgoingServer>
        </emailProvider></clientConfig>
        """

    @Test("An autoconfig answer: fields by path, siblings numbered, what the client configures")
    func autoconfigFields() throws {
        let fields = try AnswerFields.read(Array(Self.autoconfig.utf8), format: .thunderbird)
        #expect(fields["clientConfig/emailProvider/incomingServer/hostname"] == "imap.example.com")
        #expect(fields["clientConfig/emailProvider/outgoingServer[2]/port"] == "587")
        #expect(fields["clientConfig/emailProvider/incomingServer@type"] == "imap")
        #expect(Prober.summary(fields, .thunderbird).first == "IMAP imap.example.com:993 SSL user ?")
        let changed = Self.autoconfig.replacingOccurrences(of: "<port>993</port>", with: "<port>143</port>")
        let other = try AnswerFields.read(Array(changed.utf8), format: .thunderbird)
        #expect(
            other.differences(from: fields).map(\.description) == [
                "clientConfig/emailProvider/incomingServer/port: expected '993', found '143'"
            ])
    }

    @Test("XML with a DTD, or no XML at all, is refused", arguments: ["<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "not xml"])
    func refusesDTDs(_ body: String) {
        #expect(throws: AnswerReadError.self) { try AnswerFields.read(Array(body.utf8), format: .thunderbird) }
    }

    @Test("JSON answers flatten by key and position; a missing field is named")
    func jsonFields() throws {
        let found = try AnswerFields.read(Array(#"{"protocols":{"imap":{"host":"a"}}}"#.utf8), format: .pacc)
        let expected = try AnswerFields.read(
            Array(#"{"protocols":{"imap":{"host":"a"},"submit":{"host":"b"}}}"#.utf8), format: .pacc)
        #expect(found.differences(from: expected).map(\.description) == ["protocols.submit.host: expected 'b', found nothing"])
    }
}
