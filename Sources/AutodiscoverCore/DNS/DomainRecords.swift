/// Every record one mail domain (or alias) needs in DNS, as `dns records` prints them and `dns check` expects them.
public struct DomainRecords: Sendable {
    /// The name the records are for.
    public var domain: DomainName
    /// What the name is in the configuration (`alias of example.com`, `redirected to …`), for the comment line.
    public var note: String
    /// In the order they are printed: SRV/TXT owners by service, then the CNAMEs and the PACC digest.
    public var records: [DNSRecord]

    public init(domain: DomainName, note: String, records: [DNSRecord]) {
        self.domain = domain
        self.note = note
        self.records = records
    }

    /// One question a checker asks, and the values expected at its answer.
    public struct Expectation: Sendable, Hashable {
        public var owner: String
        public var type: DNSRecordType
        public var values: [DNSRecordData]
    }

    /// The records grouped by owner and type (one DNS question each), in the order of `records`.
    public var expectations: [Expectation] {
        var result: [Expectation] = []
        for record in records {
            if let index = result.firstIndex(where: { $0.owner == record.owner && $0.type == record.type }) {
                result[index].values.append(record.data)
            } else {
                result.append(Expectation(owner: record.owner, type: record.type, values: [record.data]))
            }
        }
        return result
    }
}
