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
        get { webStorage?.value.activeSync }
        set { updateWeb { $0.activeSync = newValue } }
    }
    public var calDAV: WebService? {
        get { webStorage?.value.calDAV }
        set { updateWeb { $0.calDAV = newValue } }
    }
    public var cardDAV: WebService? {
        get { webStorage?.value.cardDAV }
        set { updateWeb { $0.cardDAV = newValue } }
    }
    /// JMAP (RFC 8620): the session resource's URL.
    public var jmap: WebService? {
        get { webStorage?.value.jmap }
        set { updateWeb { $0.jmap = newValue } }
    }
    /// The provider's OAuth2 issuer for public clients (no secret), and what clients ask of it.
    public var oauth2: OAuth2Settings? {
        get { extrasStorage?.value.oauth2 }
        set { updateExtras { $0.oauth2 = newValue } }
    }
    /// A page that helps users set up their mail (PACC `info.help.documentation`, autoconfig `documentation`).
    public var helpURL: String? {
        get { extrasStorage?.value.helpURL }
        set { updateExtras { $0.helpURL = newValue } }
    }
    // Out of line, one box each: most domains have none or one web service and no extras, and inline
    // they were most of the struct (3 x 89 bytes: the struct was 448 bytes; now under 208).
    private var webStorage: OutOfLine<WebServices>?
    private var extrasStorage: OutOfLine<Extras>?

    private struct WebServices: Sendable, Hashable {
        var activeSync, calDAV, cardDAV, jmap: WebService?
        var isEmpty: Bool { activeSync == nil && calDAV == nil && cardDAV == nil && jmap == nil }
    }

    private struct Extras: Sendable, Hashable {
        var oauth2: OAuth2Settings?
        var helpURL: String?
        var isEmpty: Bool { oauth2 == nil && helpURL == nil }
    }

    private mutating func updateWeb(_ change: (inout WebServices) -> Void) {
        var services = webStorage?.value ?? WebServices()
        change(&services)
        webStorage = services.isEmpty ? nil : OutOfLine(services)
    }

    private mutating func updateExtras(_ change: (inout Extras) -> Void) {
        var extras = extrasStorage?.value ?? Extras()
        change(&extras)
        extrasStorage = extras.isEmpty ? nil : OutOfLine(extras)
    }
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
            displayShortName
            ?? String(unicode[..<(ASCII.firstIndex(in: unicode, where: { $0 == UInt8(ascii: ".") }) ?? unicode.endIndex)])
        self.aliases = aliases
        self.provider = provider
        self.imap = imap
        self.pop3 = pop3
        self.smtp = smtp
        self.xmpp = xmpp
        let web = WebServices(activeSync: activeSync, calDAV: calDAV, cardDAV: cardDAV, jmap: nil)
        self.webStorage = web.isEmpty ? nil : OutOfLine(web)
        self.extrasStorage = nil
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
        case .activesync, .caldav, .carddav, .jmap: return []
        }
    }

    /// The URL-based service of one kind.
    public func webService(_ kind: ServiceKind) -> WebService? {
        switch kind {
        case .activesync: return activeSync
        case .caldav: return calDAV
        case .carddav: return cardDAV
        case .jmap: return jmap
        case .imap, .pop3, .smtp, .xmpp: return nil
        }
    }
}

/// `oauth2:` of a domain or provider: where public clients (no client secret) get tokens
/// (draft-ietf-mailmaint-oauth-public), what they ask for, and the client id to use, if any.
public struct OAuth2Settings: Sendable, Hashable {
    /// The issuer's https URL (RFC 8414 metadata lives below it).
    public var issuer: String
    public var clientID: String?
    public var scopes: [String]

    public init(issuer: String, clientID: String? = nil, scopes: [String] = []) {
        self.issuer = issuer
        self.clientID = clientID
        self.scopes = scopes
    }
}
