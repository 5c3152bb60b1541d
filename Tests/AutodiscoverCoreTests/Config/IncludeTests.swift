import AutodiscoverCore
import Foundation
import Testing

@Suite("Includes")
struct IncludeTests {
    @Test("Globs load every tenant file relative to the including file; providers are shared")
    func loadsTenants() throws {
        let config = try ConfigLoader().load(path: TestSupport.fixture("includes/tenants/root.yaml"))
        #expect(config.domains.map(\.name.ascii).sorted() == ["alpha.example", "beta.example", "root.example"])
        #expect(config.files.count == 3)
        let alpha = try #require(config.resolve(try DomainName("alpha.example")))
        #expect(alpha.domain.imap.first?.host == "imap.alpha.example")
        #expect(alpha.domain.imap.first?.port == 993)
        #expect(alpha.domain.smtp.first?.host == "smtp.hostco.example")
    }

    @Test("An include cycle is reported at the include line")
    func reportsCycle() {
        let issues = ConfigLoader().issues(in: TestSupport.fixture("includes/cycle/a.yaml"))
        let cycle = issues.first { $0.message.contains("include cycle") }
        #expect(cycle?.file.hasSuffix("cycle/b.yaml") == true)
        #expect(cycle?.line == 1)
        #expect(cycle?.keyPath == "include")
    }

    @Test("Duplicate domains across files and missing include files are reported")
    func reportsDuplicatesAcrossFiles() {
        let issues = ConfigLoader().issues(in: TestSupport.fixture("includes/dup/root.yaml"))
        let missing = issues.first { $0.message.contains("does not exist") }
        #expect(missing?.line == 3)
        #expect(missing?.keyPath == "include[1]")
        let duplicates = issues.filter { $0.message.contains("already defined") }
        #expect(duplicates.count == 2)
        #expect(duplicates.allSatisfy { $0.file.hasSuffix("tenants/b.yaml") })
        #expect(Set(duplicates.map(\.line)) == [3, 4])
        #expect(duplicates.contains { $0.keyPath == "domains.ONE.example" && $0.message.contains("root.yaml:5") })
    }

    @Test("An include that names a FIFO or a device is refused without reading it")
    func refusesSpecialFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("include-special-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/pipe.yaml", 0o600) == 0)
        let root = directory + "/root.yaml"
        try "include: [pipe.yaml, /dev/zero]\ndomains:\n  a.example: { imap: imap.a.example }\n"
            .write(toFile: root, atomically: true, encoding: .utf8)
        let issues = ConfigLoader().issues(in: root)
        #expect(issues.filter { $0.message.contains("not a regular file") }.map(\.keyPath) == ["include[0]", "include[1]"])
    }
}
