/// How a client protects its connection to a mail server (the config's `socket`).
public enum ConnectionSecurity: String, Sendable, Hashable, CaseIterable {
    /// Implicit TLS from the first byte (IMAPS 993, POP3S 995, submissions 465).
    case ssl = "SSL"
    /// A plain connection upgraded with STARTTLS.
    case starttls = "STARTTLS"
    /// No encryption at all.
    case plain

    /// Accepts the config spellings case-insensitively (`SSL`, `tls` as implicit TLS, `STARTTLS`, `plain`, `none`).
    public init?(configValue: String) {
        switch configValue {
        case "SSL": self = .ssl
        case "STARTTLS": self = .starttls
        case "plain": self = .plain
        default: self.init(lowercased: configValue.lowercased())
        }
    }

    private init?(lowercased: String) {
        switch lowercased {
        case "ssl", "tls": self = .ssl
        case "starttls": self = .starttls
        case "plain", "none": self = .plain
        default: return nil
        }
    }

    /// True for both TLS modes.
    public var isEncrypted: Bool { self != .plain }
}
