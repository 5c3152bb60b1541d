/// The kinds of server a domain can offer, in the order the config and the answers list them.
public enum ServiceKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case imap, pop3, smtp, xmpp, activesync, caldav, carddav, jmap

    /// True for services given by `host`/`port`/`socket`; false for those given by a `url`.
    public var isHostBased: Bool {
        switch self {
        case .imap, .pop3, .smtp, .xmpp: return true
        case .activesync, .caldav, .carddav, .jmap: return false
        }
    }

    /// The usual port for a connection security (RFC 8314, RFC 6120).
    public func defaultPort(for security: ConnectionSecurity) -> Int {
        switch (self, security) {
        case (.imap, .ssl): return 993
        case (.imap, _): return 143
        case (.pop3, .ssl): return 995
        case (.pop3, _): return 110
        case (.smtp, .ssl): return 465
        case (.smtp, _): return 587
        case (.xmpp, .ssl): return 5223
        case (.xmpp, _): return 5222
        case (_, .plain): return 80
        case (_, _): return 443
        }
    }

    /// The security a service gets when the config names none: implicit TLS for mail
    /// (RFC 8314 §3.3), STARTTLS for XMPP client connections.
    public var defaultSecurity: ConnectionSecurity {
        self == .xmpp ? .starttls : .ssl
    }

    public static func < (lhs: ServiceKind, rhs: ServiceKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
