/// What DNS answered for one owner and type, reduced to what a check compares.
public enum DNSFound: Sendable, Hashable {
    /// Records of the asked type at the owner itself, and the smallest TTL among them (seconds).
    case records([DNSRecordData], ttl: Int = 0)
    /// The owner is a CNAME (to this target).
    case alias(String)
    /// The name exists but has no records of the asked type.
    case noData
    /// The name does not exist.
    case nxdomain
    /// No answer: a timeout, a refusal, a server failure (the message says which).
    case failure(String)
}

/// The outcome for one owner and type: `PASS`, `MISSING`, `DRIFT` or `ERROR`.
public struct DNSVerdict: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case pass = "PASS"
        case missing = "MISSING"
        case drift = "DRIFT"
        case error = "ERROR"
    }

    public var owner: String
    public var type: DNSRecordType
    public var status: Status
    public var expected: [DNSRecordData]
    /// What DNS holds there, as text (`0 1 993 imap.example.com.`, `CNAME x.example.net.`), empty when nothing.
    public var found: [String]
    /// Why, in a few words; for a pass, the extra values DNS also holds.
    public var detail: String

    /// Compares what DNS answered with what the configuration implies.
    ///
    /// SRV values match on port and target, and their priorities must keep the configured order (the
    /// numbers themselves and the weights are the admin's to choose); an RRset may hold extra values. TXT:
    /// `path=` records (RFC 6764) match on the path, PACC records (`v=UAAC1`) as the draft reads them: any
    /// record with the same algorithm and digest passes, unknown tags and other TXT records are ignored.
    public static func compare(_ expectation: DomainRecords.Expectation, with found: DNSFound) -> DNSVerdict {
        var verdict = DNSVerdict(
            owner: expectation.owner, type: expectation.type, status: .pass, expected: expectation.values, found: [], detail: "")
        switch found {
        case .failure(let message):
            verdict.status = .error
            verdict.detail = message
        case .nxdomain:
            verdict.status = .missing
            verdict.detail = "no such name"
        case .noData:
            verdict.status = .missing
            verdict.detail = "no \(expectation.type.rawValue) records"
        case .alias(let target):
            verdict.found = ["CNAME \(target)"]
            if case .cname(let expected)? = expectation.values.first {
                if !DNSName.same(expected, target) {
                    verdict.status = .drift
                    verdict.detail = "points elsewhere"
                }
            } else {
                verdict.status = .drift
                verdict.detail = "a CNAME where \(expectation.type.rawValue) records belong"
            }
        case .records(let values, _):
            verdict.found = values.map(\.description)
            switch expectation.type {
            case .srv: compareSRV(expectation.values, values, into: &verdict)
            case .txt: compareTXT(expectation.values, values, into: &verdict)
            case .cname:
                verdict.status = .missing
                verdict.detail = "no CNAME"
            }
        }
        return verdict
    }

    private static func compareSRV(_ expected: [DNSRecordData], _ found: [DNSRecordData], into verdict: inout DNSVerdict) {
        var matchedPriorities: [Int] = []
        var missing: [DNSRecordData] = []
        var used = Set<Int>()
        for value in expected {
            guard case .srv(_, _, let port, let target) = value else { continue }
            let hit = found.indices.first { index in
                guard !used.contains(index), case .srv(_, _, let foundPort, let foundTarget) = found[index] else { return false }
                return foundPort == port && DNSName.same(foundTarget, target)
            }
            if let hit, case .srv(let priority, _, _, _) = found[hit] {
                used.insert(hit)
                matchedPriorities.append(priority)
            } else {
                missing.append(value)
            }
        }
        if !missing.isEmpty {
            verdict.status = .drift
            verdict.detail = "missing " + missing.map(\.description).joined(separator: ", ")
            return
        }
        // The configured order (expected priorities ascend) must survive: no later value before an earlier one.
        let expectedPriorities = expected.compactMap { value -> Int? in
            if case .srv(let priority, _, _, _) = value { return priority }
            return nil
        }
        for i in matchedPriorities.indices.dropFirst() where expectedPriorities[i] > expectedPriorities[i - 1] {
            if matchedPriorities[i] <= matchedPriorities[i - 1] {
                verdict.status = .drift
                verdict.detail = "priorities change the configured order"
                return
            }
        }
        let extra = found.indices.filter { !used.contains($0) }.map { found[$0].description }
        if !extra.isEmpty { verdict.detail = "also holds " + extra.joined(separator: ", ") }
    }

    private static func compareTXT(_ expected: [DNSRecordData], _ found: [DNSRecordData], into verdict: inout DNSVerdict) {
        let texts = found.compactMap { value -> [String]? in
            if case .txt(let strings) = value { return strings }
            return nil
        }
        for value in expected {
            guard case .txt(let strings) = value, let text = strings.first else { continue }
            if let wanted = PACCDigestRecord(parsing: strings.joined()) {
                let records = texts.compactMap { PACCDigestRecord(parsing: $0.joined()) }
                if records.contains(where: { $0.matches(wanted) }) { continue }
                verdict.status = records.isEmpty ? .missing : .drift
                verdict.detail = records.isEmpty ? "no v=UAAC1 record" : "no record holds the digest of the document served"
                return
            }
            // RFC 6764 §4: each string is one key=value pair.
            if texts.contains(where: { $0.contains(text) }) { continue }
            let paths = texts.flatMap { $0.filter { $0.hasPrefix("path=") } }
            verdict.status = paths.isEmpty ? .missing : .drift
            verdict.detail = paths.isEmpty ? "no path= record" : "another path"
            return
        }
    }
}
