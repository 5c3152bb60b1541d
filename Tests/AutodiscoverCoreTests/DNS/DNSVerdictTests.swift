import AutodiscoverCore
import Testing

@Suite("dns check verdicts")
struct DNSVerdictTests {
    typealias Expectation = DomainRecords.Expectation

    static func srv(_ priority: Int, _ port: Int, _ target: String, weight: Int = 1) -> DNSRecordData {
        .srv(priority: priority, weight: weight, port: port, target: target)
    }

    static let submission = DomainRecords(
        domain: try! DomainName("example.com"), note: "",
        records: [
            DNSRecord(owner: "_submission._tcp.example.com.", ttl: 60, data: srv(0, 587, "a.example.com.")),
            DNSRecord(owner: "_submission._tcp.example.com.", ttl: 60, data: srv(1, 587, "b.example.com.")),
        ]
    ).expectations[0]
    static let digest = PACCDigestRecord(digest: "GdcwOE8rB5A2hcCisrdMYXtuh+jjYW+Igx4QERBr3do=")
    static let pacc = DomainRecords(
        domain: try! DomainName("example.com"), note: "",
        records: [DNSRecord(owner: "_ua-auto-config.example.com.", ttl: 60, data: .txt([digest.text]))]
    ).expectations[0]
    static let path = DomainRecords(
        domain: try! DomainName("example.com"), note: "",
        records: [DNSRecord(owner: "_caldavs._tcp.example.com.", ttl: 60, data: .txt(["path=/dav/"]))]
    ).expectations[0]
    static let cname = DomainRecords(
        domain: try! DomainName("example.com"), note: "",
        records: [DNSRecord(owner: "autoconfig.example.com.", ttl: 60, data: .cname("svc.example.net."))]
    ).expectations[0]

    static let cases: [(String, Expectation, DNSFound, DNSVerdict.Status)] = [
        ("both values", submission, .records([srv(0, 587, "a.example.com."), srv(1, 587, "b.example.com.")]), .pass),
        (
            "other numbers, same order, other weights", submission,
            .records([srv(10, 587, "A.example.com", weight: 5), srv(20, 587, "b.example.com.")]), .pass
        ),
        (
            "an extra value", submission,
            .records([srv(0, 587, "a.example.com."), srv(1, 587, "b.example.com."), srv(2, 587, "c.example.com.")]), .pass
        ),
        ("order reversed", submission, .records([srv(1, 587, "a.example.com."), srv(0, 587, "b.example.com.")]), .drift),
        ("a changed port", submission, .records([srv(0, 2587, "a.example.com."), srv(1, 587, "b.example.com.")]), .drift),
        ("a value gone", submission, .records([srv(0, 587, "a.example.com.")]), .drift),
        ("a CNAME at an SRV owner", submission, .alias("elsewhere.example.com."), .drift),
        ("no such name", submission, .nxdomain, .missing),
        ("no SRV records", submission, .noData, .missing),
        ("a timeout", submission, .failure("timeout"), .error),
        (
            "the digest among other TXT records, tags reordered", pacc,
            .records([
                .txt(["google-site-verification=x"]),
                .txt(["d=GdcwOE8rB5A2hcCisrdMYXtuh+jjYW+Igx4QERBr3do= ;a=SHA256;v=UAAC1; x=1"]),
            ]), .pass
        ),
        (
            "the digest split over two strings", pacc,
            .records([.txt(["v=UAAC1; a=sha256; d=GdcwOE8rB5A2", "hcCisrdMYXtuh+jjYW+Igx4QERBr3do="])]), .pass
        ),
        (
            "an old digest beside the current one", pacc, .records([.txt(["v=UAAC1; a=sha256; d=AAAA"]), .txt([digest.text])]),
            .pass
        ),
        ("only a stale digest", pacc, .records([.txt(["v=UAAC1; a=sha256; d=AAAA"])]), .drift),
        ("TXT records but no UAAC1", pacc, .records([.txt(["v=spf1 -all"])]), .missing),
        ("path= among others", path, .records([.txt(["path=/dav/"]), .txt(["other"])]), .pass),
        ("another path", path, .records([.txt(["path=/"])]), .drift),
        ("the CNAME", cname, .alias("SVC.example.net"), .pass),
        ("a CNAME elsewhere", cname, .alias("other.example.net."), .drift),
        ("no CNAME (other records)", cname, .noData, .missing),
    ]

    @Test("Each answer's verdict", arguments: cases)
    func verdict(name: String, expectation: Expectation, found: DNSFound, status: DNSVerdict.Status) {
        let verdict = DNSVerdict.compare(expectation, with: found)
        #expect(verdict.status == status, "\(name): \(verdict.detail)")
    }

    @Test("A pass names the extra values; a drift what was found")
    func details() {
        let extra = DNSVerdict.compare(
            Self.submission,
            with: .records([
                Self.srv(0, 587, "a.example.com."), Self.srv(1, 587, "b.example.com."), Self.srv(2, 25, "c.example.com."),
            ]))
        #expect(extra.detail == "also holds 2 1 25 c.example.com.")
        let drift = DNSVerdict.compare(Self.submission, with: .records([Self.srv(0, 2587, "a.example.com.")]))
        #expect(drift.found == ["0 1 2587 a.example.com."])
        #expect(drift.detail == "missing 0 1 587 a.example.com., 1 1 587 b.example.com.")
        let alias = DNSVerdict.compare(Self.submission, with: .alias("x.example.com."))
        #expect(alias.found == ["CNAME x.example.com."])
    }
}

@Suite("PACC digest records")
struct PACCDigestRecordTests {
    @Test(
        "Read as draft-ietf-mailmaint-pacc-03 says",
        arguments: [
            ("v=UAAC1; a=sha256; d=abc=", "sha256", "abc="),
            ("  d=abc ;v=UAAC1;a=SHA256 ; future=1", "sha256", "abc"),
            ("v=UAAC1;a=sha256;d=abc;d=second", "sha256", "abc"),
        ])
    func parsed(text: String, algorithm: String, digest: String) throws {
        let record = try #require(PACCDigestRecord(parsing: text))
        #expect(record.algorithm == algorithm && record.digest == digest)
    }

    @Test("Not a PACC record", arguments: ["v=spf1 -all", "v=UAAC2; a=sha256; d=abc", "v=UAAC1; d=abc", "v=UAAC1; a=sha256", ""])
    func refused(text: String) {
        #expect(PACCDigestRecord(parsing: text) == nil)
    }

    @Test("The record of a document: SHA-256 in base64, padding ignored when compared")
    func document() {
        let record = PACCDigestRecord(document: Array("{}\n".utf8))
        #expect(record.text == "v=UAAC1; a=sha256; d=" + Base64.encode(Digest.sha256(Array("{}\n".utf8))))
        #expect(record.matches(PACCDigestRecord(digest: String(record.digest.dropLast()))))
    }
}

@Suite("Digests and base64 (libcrypto)")
struct DigestTests {
    @Test("Known answers: FIPS 180-4 examples, RFC 4648 §10")
    func knownAnswers() {
        let hex = { (bytes: [UInt8]) in bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined() }
        #expect(hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(Digest.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for (input, output) in [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            #expect(Base64.encode(Array(input.utf8)) == output)
        }
    }
}
