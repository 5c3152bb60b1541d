/// One question: a name (absolute or not) and a record type.
public struct DNSQuestion: Sendable, Hashable {
    public var name: String
    public var type: DNSRecordType

    public init(name: String, type: DNSRecordType) {
        self.name = name
        self.type = type
    }
}
