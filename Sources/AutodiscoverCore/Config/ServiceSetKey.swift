/// The keys of a provider or domain mapping.
enum ServiceSetKey: String, CaseIterable {
    case provider, aliases, redirect, source
    case displayName = "display_name"
    case displayShortName = "display_short_name"
    case autodiscover
    case imap, pop3, smtp, xmpp, activesync, caldav, carddav, jmap
    case oauth2
    case helpURL = "help_url"

    /// The key a mapping's key text names, or nil.
    static let named = KeyTable<ServiceSetKey>()

    /// Keys a provider may not have.
    var isDomainOnly: Bool { self == .provider || self == .aliases || self == .redirect || self == .source }

    /// The service this key configures, or nil for the other keys.
    var service: ServiceKind? {
        switch self {
        case .imap: .imap
        case .pop3: .pop3
        case .smtp: .smtp
        case .xmpp: .xmpp
        case .activesync: .activesync
        case .caldav: .caldav
        case .carddav: .carddav
        case .jmap: .jmap
        case .provider, .aliases, .redirect, .source, .displayName, .displayShortName, .autodiscover, .oauth2, .helpURL: nil
        }
    }

    var bit: Int {
        switch self {
        case .provider: 0
        case .aliases: 1
        case .redirect: 2
        case .source: 3
        case .displayName: 4
        case .displayShortName: 5
        case .autodiscover: 6
        case .imap: 7
        case .pop3: 8
        case .smtp: 9
        case .xmpp: 10
        case .activesync: 11
        case .caldav: 12
        case .carddav: 13
        case .jmap: 14
        case .oauth2: 15
        case .helpURL: 16
        }
    }
}
