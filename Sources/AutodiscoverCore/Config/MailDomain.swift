/// A configured mail domain after validation: inheritance applied, defaults filled in, names canonical.
public struct MailDomain: Sendable, Hashable {
    /// The name as configured: a domain, or for a wildcard the suffix after `*.`.
    public var name: DomainName
    public var isWildcard: Bool
    /// Shown to people (`displayName` in autoconfig, `DisplayName` in POX). Defaults to the Unicode name.
    public var displayName: String
    /// A short form for small screens (`displayShortName`). Defaults to the first label.
    public var displayShortName: String
    public var aliases: [DomainName]
    /// The provider this domain inherits from, if any.
    public var provider: String?

    public var imap: [MailServer]
    public var pop3: [MailServer]
    public var smtp: [MailServer]
    public var xmpp: [MailServer]
    public var activeSync: WebService? {
        get { activeSyncStorage?.value }
        set { activeSyncStorage = newValue.map(OutOfLine.init) }
    }
    public var calDAV: WebService? {
        get { calDAVStorage?.value }
        set { calDAVStorage = newValue.map(OutOfLine.init) }
    }
    public var cardDAV: WebService? {
        get { cardDAVStorage?.value }
        set { cardDAVStorage = newValue.map(OutOfLine.init) }
    }
    // Out of line: most domains have none or one of them, and inline they were most of the struct
    // (3 x 89 bytes: the struct was 448 bytes, now 208).
    private var activeSyncStorage: OutOfLine<WebService>?
    private var calDAVStorage: OutOfLine<WebService>?
    private var cardDAVStorage: OutOfLine<WebService>?
    public var autodiscover: AutodiscoverEndpoint
    public var redirect: Redirect?
    public var source: SettingsSource
    /// For a `source: dns` domain, where its looked-up settings stand; `.notFromDNS` for the others.
    public var dnsState: DNSState

    /// Where the domain is defined.
    public var file: String
    public var line: Int

    public init(
        name: DomainName, isWildcard: Bool = false, displayName: String? = nil, displayShortName: String? = nil,
        aliases: [DomainName] = [], provider: String? = nil,
        imap: [MailServer] = [], pop3: [MailServer] = [], smtp: [MailServer] = [], xmpp: [MailServer] = [],
        activeSync: WebService? = nil, calDAV: WebService? = nil, cardDAV: WebService? = nil,
        autodiscover: AutodiscoverEndpoint = AutodiscoverEndpoint(), redirect: Redirect? = nil,
        source: SettingsSource = .config, file: String = "", line: Int = 0
    ) {
        self.name = name
        self.isWildcard = isWildcard
        let unicode = displayName != nil && displayShortName != nil ? "" : name.unicode
        self.displayName = displayName ?? unicode
        self.displayShortName =
            displayShortName ?? String(unicode[..<(ASCII.firstIndex(in: unicode, where: { $0 == UInt8(ascii: ".") }) ?? unicode.endIndex)])
        self.aliases = aliases
        self.provider = provider
        self.imap = imap
        self.pop3 = pop3
        self.smtp = smtp
        self.xmpp = xmpp
        self.activeSyncStorage = activeSync.map(OutOfLine.init)
        self.calDAVStorage = calDAV.map(OutOfLine.init)
        self.cardDAVStorage = cardDAV.map(OutOfLine.init)
        self.autodiscover = autodiscover
        self.redirect = redirect
        self.source = source
        self.dnsState = source == .dns ? .pending : .notFromDNS
        self.file = file
        self.line = line
    }

    /// The name as written in the config (`*.tenants.example.net` for a wildcard).
    public var pattern: String { isWildcard ? "*.\(name.ascii)" : name.ascii }

    /// Incoming servers in preference order: IMAP before POP3.
    public var incoming: [MailServer] { imap + pop3 }

    /// The host-based servers of one kind.
    public func servers(_ kind: ServiceKind) -> [MailServer] {
        switch kind {
        case .imap: return imap
        case .pop3: return pop3
        case .smtp: return smtp
        case .xmpp: return xmpp
        case .activesync, .caldav, .carddav: return []
        }
    }

    /// The URL-based service of one kind.
    public func webService(_ kind: ServiceKind) -> WebService? {
        switch kind {
        case .activesync: return activeSync
        case .caldav: return calDAV
        case .carddav: return cardDAV
        case .imap, .pop3, .smtp, .xmpp: return nil
        }
    }
}
