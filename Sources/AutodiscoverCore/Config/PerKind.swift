/// One optional value per ``ServiceKind``, stored inline (no dictionary per domain).
struct PerKind<Value: Sendable>: Sendable {
    private var imap, pop3, smtp, xmpp, activesync, caldav, carddav, jmap: Value?

    init() {}

    subscript(kind: ServiceKind) -> Value? {
        get {
            switch kind {
            case .imap: imap
            case .pop3: pop3
            case .smtp: smtp
            case .xmpp: xmpp
            case .activesync: activesync
            case .caldav: caldav
            case .carddav: carddav
            case .jmap: jmap
            }
        }
        set {
            switch kind {
            case .imap: imap = newValue
            case .pop3: pop3 = newValue
            case .smtp: smtp = newValue
            case .xmpp: xmpp = newValue
            case .activesync: activesync = newValue
            case .caldav: caldav = newValue
            case .carddav: carddav = newValue
            case .jmap: jmap = newValue
            }
        }
    }
}
