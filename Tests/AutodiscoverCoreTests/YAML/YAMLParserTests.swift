import Testing

@testable import AutodiscoverCore

@Suite("YAML parser")
struct YAMLParserTests {
    @Test("Lines, columns, scalars, anchors and aliases come through")
    func basics() throws {
        let document = try YAMLParser().parse(
            Array("a: &x\n  k: \"null\"\n  n: ~\nb: *x\nc: [1, 2]\n".utf8))
        let pairs = try #require(document.mapping(document.root))
        #expect(pairs.map(\.key) == ["a", "b", "c"])
        #expect(pairs.map(\.line) == [1, 4, 5])
        let inner = try #require(document.mapping(pairs[1].value))
        #expect(inner.map(\.key) == ["k", "n"])
        #expect(document.isNull(inner[0].value) == false)
        #expect(document.isNull(inner[1].value))
        #expect(document.sequence(pairs[2].value)?.compactMap { document.scalar($0) } == ["1", "2"])
    }

    @Test("A large generated file splits in two and reads the same as in one piece")
    func splitMatchesWhole() throws {
        var text = "# generated\nproviders: {}\ndomains:\n"
        for index in 0..<30_000 {
            text += "  d\(index).example.org:\n    imap: { host: imap.d\(index).example.org, port: 993 }\n"
        }
        let bytes = Array(text.utf8)
        let (cut, tailLine) = try #require(YAMLSplitter.split(bytes))
        let head = try YAMLParser().parse(bytes, range: 0..<cut)
        let tail = try YAMLParser().parse(bytes, range: cut..<bytes.count, lineOffset: tailLine - 1)
        let whole = try YAMLParser().parse(bytes)
        let wholeDomains = try #require(whole.mapping(whole.mapping(whole.root)![1].value))
        let headDomains = try #require(head.mapping(head.mapping(head.root)![1].value))
        let tailDomains = try #require(tail.mapping(tail.root))
        #expect(headDomains.count + tailDomains.count == wholeDomains.count)
        #expect((headDomains + tailDomains).map(\.key) == wholeDomains.map(\.key))
        #expect((headDomains + tailDomains).map(\.line) == wholeDomains.map(\.line))
    }

    @Test("Files with content after the domains block are not split")
    func noSplitWithTrailingContent() {
        var text = "domains:\n"
        for index in 0..<30_000 { text += "  d\(index).example.org: { imap: imap.example.org }\n" }
        text += "templates: []\n"
        #expect(YAMLSplitter.split(Array(text.utf8)) == nil)
    }
}

@Suite("Fast block parser")
struct FastBlockParserTests {
    /// A domains block using everything the fast parser accepts.
    static let block = """
        domains:
          example.com:
            display_name: Example Inc.
            imap: { host: imap.example.com, port: 993, socket: SSL }
            pop3: {host: pop.example.com,port: 995}
            smtp: { host: smtp.example.com, port: 587, socket: STARTTLS }   # submission
            activesync: { url: "https://mail.example.com/Microsoft-Server-ActiveSync" }

          # a comment between entries
          "*.wild.example":
            display_name: "Quoted \\"name\\" with \\u00e9 and \\\\ slash"
            provider: hostco
          'single.example':
            display_name: 'it''s single'
            caldav: "https://dav.example/"
            pop3: ~
            smtp:
          bücher.example:
            display_name: Bücher#1 and more
            imap: { host: "imap.bücher.example", username: "%EMAILLOCALPART%" }
          empty.example: {}
        """

    static func compare(_ text: String) throws -> (fast: YAMLDocument?, slow: YAMLDocument) {
        let bytes = Array(text.utf8)
        let start = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
        let fast = FastBlockParser.parse(bytes, range: start..<bytes.count, firstLine: 2, indent: 2)
        let slow = try YAMLParser().parse(bytes, range: start..<bytes.count, lineOffset: 1)
        return (fast, slow)
    }

    @Test("Builds the same nodes as libyaml")
    func sameAsLibyaml() throws {
        let (fast, slow) = try Self.compare(Self.block)
        let parsed = try #require(fast)
        #expect(parsed.outline(parsed.root) == slow.outline(slow.root))
    }

    @Test(
        "Gives up on anything outside its shape",
        arguments: [
            "domains:\n  a.example:\n    smtp:\n      - { host: x }\n",
            "domains:\n  a.example: &anchor\n    imap: x\n",
            "domains:\n  a.example:\n    imap: *alias\n",
            "domains:\n  a.example:\n    display_name: |\n      block\n",
            "domains:\n  a.example:\n    display_name: \"multi\n      line\"\n",
            "domains:\n  a.example:\n    imap: { host: x,\n      port: 1 }\n",
            "domains:\n  a.example:\n\timap: x\n",
            "domains:\n  a.example:\n    imap: !!str x\n",
            "domains:\n  a.example:\n    imap: a: b\n",
            "domains:\n  a.example:\n    imap: [x, y]\n",
            "domains:\n", "domains:\n\n  # only a comment\n",
            "domains:\n  a.example:\n    imap: x\u{01}y\n", "domains:\n  a.example:\n    # lone\rbreak\n",
            "domains:\n  " + String(repeating: "k", count: 1100) + ": {}\n",
            "domains:\n  a.example:\n    imap: x\u{2028}y\n", "domains:\n  a.example:\n    imap: x\u{85}y\n",
            // `:` then one of `,?[]{}` inside a flow mapping: libyaml refuses it (found by FuzzFastBlockParser).
            "domains:\n  a.example:\n    imap: { host: x::::?y }\n", "domains:\n  a.example:\n    imap: { host: x:? }\n",
            "domains:\n  a.example:\n    imap: { host: x:, port: 1 }\n", "domains:\n  a.example:\n    imap: { host: x:}\n",
            "domains:\n  a.example:\n    imap: { host:, port: 1 }\n",
        ])
    func givesUp(_ text: String) throws {
        let bytes = Array(text.utf8)
        let start = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
        #expect(FastBlockParser.parse(bytes, range: start..<bytes.count, firstLine: 2, indent: 2) == nil)
    }

    @Test("Places the block at its first key after blank lines, as libyaml does (found by FuzzFastBlockParser)")
    func leadingBlankLines() throws {
        let (fast, slow) = try Self.compare("domains:\n\n  # note\n  ex# m:m:\n   \n")
        let parsed = try #require(fast)
        #expect(parsed.outline(parsed.root) == slow.outline(slow.root))
    }

    @Test("Gives up on invalid UTF-8, which libyaml rejects (found by FuzzFastBlockParser)")
    func givesUpOnInvalidUTF8() {
        let bytes = Array("domains:\n  a.example:\n    ".utf8) + [0xFF] + Array("sername: x\n".utf8)
        #expect(FastBlockParser.parse(bytes, range: 9..<bytes.count, firstLine: 2, indent: 2) == nil)
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser().parse(bytes, range: 9..<bytes.count, lineOffset: 1) }
    }

    /// What libyaml's reader accepts on its own, for each single byte: printable ASCII, tab and line feed.
    static func acceptsAlone(_ byte: UInt8) -> Bool {
        (0x20...0x7E).contains(byte) || byte == 0x09 || byte == 0x0A
    }

    @Test(
        "The eight-byte text check agrees with the character check wherever a character falls",
        arguments: [
            // (inserted bytes, accepted)
            ([0xC3, 0xBC], true),  // ü
            ([0xE2, 0x80, 0xA8], false),  // U+2028 line separator: libyaml breaks lines there
            ([0xF0, 0x9F, 0x93, 0xA7], true),  // 📧
            ([0x0D, 0x0A], true),  // CRLF
            ([0x0D], false),  // a lone CR
            ([0xC3], false),  // a truncated sequence
            ([0xEF, 0xBF, 0xBE], false),  // U+FFFE
        ] as [([UInt8], Bool)])
    func textCheck(inserted: [UInt8], accepted: Bool) {
        for offset in 0...17 {
            let text =
                Array(repeating: UInt8(ascii: "a"), count: offset) + inserted
                + Array(repeating: UInt8(ascii: "b"), count: 17 - offset)
            #expect(text.withUnsafeBufferPointer(FastBlockParser.isYAMLText) == accepted, "at offset \(offset)")
        }
    }

    @Test("The eight-byte text check takes each single byte as libyaml does, at every offset")
    func textCheckEveryByte() {
        for byte in UInt8.min...UInt8.max {
            for offset in 0...17 {
                var text = Array(repeating: UInt8(ascii: "x"), count: 18)
                text[offset] = byte
                #expect(
                    text.withUnsafeBufferPointer(FastBlockParser.isYAMLText) == Self.acceptsAlone(byte),
                    "byte \(byte) at offset \(offset)")
            }
        }
    }

    @Test("A large file with a value libyaml refuses is refused as a small one is, at that line (found by FuzzFastBlockParser)")
    func largeFileRefusesWhatLibyamlRefuses() throws {
        var text = "domains:\n"
        for index in 0..<30_000 {
            let host = index == 20_000 ? "imap.x::?y" : "imap.d\(index).example.org"
            text += "  d\(index).example.org:\n    imap: { host: \(host), port: 993 }\n"
        }
        let bytes = Array(text.utf8)
        #expect(FileCollector.parseInParallel(bytes) == nil)  // the fast path gives up, libyaml decides
        let path = TestSupport.temporaryFile(text)
        let issues = ConfigLoader().issues(in: path)
        let issue = try #require(issues.first { $0.message.contains("YAML:") }, "no YAML error in \(issues)")
        #expect(issue.line == 3 + 2 * 20_000)  // the `imap:` line of d20000
        #expect(issue.message.contains("unexpected ':'"))
    }

    @Test("A generated 30,000-domain file loads the same through the fast path as whole")
    func generatedFileLoadsTheSame() throws {
        var text = "providers:\n  hostco: { imap: imap.hostco.example }\ndomains:\n"
        for index in 0..<30_000 {
            text += "  d\(index).example.org:\n    display_name: Customer \(index)\n"
            text +=
                "    imap: { host: imap.d\(index).example.org, port: \(index % 2 == 0 ? 993 : 143), socket: \(index % 2 == 0 ? "SSL" : "STARTTLS") }\n"
            if index % 3 == 0 {
                text += "    activesync: { url: \"https://mail.d\(index).example.org/Microsoft-Server-ActiveSync\" }\n"
            }
            if index % 5 == 0 { text += "    provider: hostco\n" }
        }
        let bytes = Array(text.utf8)
        let parts = try #require(FileCollector.parseInParallel(bytes))
        #expect(parts.1.count == 2)  // both halves went through the fast parser
        let fast = try ConfigLoader().load(path: TestSupport.temporaryFile(text))
        #expect(fast.domains.count == 30_000)
        let whole = try YAMLParser().parse(bytes)
        let domainsNode = try #require(whole.mapping(whole.root)?.first { $0.key == "domains" }?.value)
        let expectedLines = try #require(whole.mapping(domainsNode)).map(\.line)
        #expect(fast.domains.map(\.line) == expectedLines)
        #expect(fast.domains[29_999].imap.first?.port == 143)
        #expect(fast.domains[3].activeSync?.host == "mail.d3.example.org")
    }
}
