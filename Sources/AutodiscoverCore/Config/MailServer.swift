/// One host-based server (IMAP, POP3, SMTP or XMPP) with everything a client needs to connect.
public struct MailServer: Sendable, Hashable {
    public var kind: ServiceKind
    /// Host name, canonical ASCII.
    public var host: String
    public var port: Int
    public var security: ConnectionSecurity
    public var authentication: Authentication
    public var username: UsernameTemplate

    public init(
        kind: ServiceKind, host: String, port: Int, security: ConnectionSecurity,
        authentication: Authentication = .passwordCleartext, username: UsernameTemplate = .address
    ) {
        self.kind = kind
        self.host = host
        self.port = port
        self.security = security
        self.authentication = authentication
        self.username = username
    }
}

/// A URL-based service (ActiveSync, CalDAV or CardDAV).
public struct WebService: Sendable, Hashable {
    public var kind: ServiceKind
    /// An `https://` URL.
    public var url: String
    /// The URL's host, canonical ASCII.
    public var host: String
    /// The URL's port (443 when the URL names none).
    public var port: Int
    /// The URL's path, `/` when it has none.
    public var path: String
    public var username: UsernameTemplate

    public init(kind: ServiceKind, url: String, host: String, port: Int, path: String, username: UsernameTemplate = .address) {
        self.kind = kind
        self.url = url
        self.host = host
        self.port = port
        self.path = path
        self.username = username
    }
}

/// Where the domain's own Outlook autodiscover endpoint lives (`autodiscover.D:443` by default).
public struct AutodiscoverEndpoint: Sendable, Hashable {
    /// Host name, canonical ASCII; nil means `autodiscover.` plus the requested domain.
    public var host: String?
    public var port: Int

    public init(host: String? = nil, port: Int = 443) {
        self.host = host
        self.port = port
    }

    /// The POX URL for a requested domain.
    public func url(for domain: DomainName) -> String {
        let name = host ?? "autodiscover.\(domain.ascii)"
        let authority = port == 443 ? name : "\(name):\(port)"
        return "https://\(authority)/autodiscover/autodiscover.xml"
    }
}

/// Where a domain sends its clients instead of answering.
public enum Redirect: Sendable, Hashable {
    /// Outlook `redirectAddr`: the same local part at another domain.
    case addressDomain(DomainName)
    /// Outlook `redirectUrl`: another autodiscover endpoint (https).
    case url(String)
}

/// Where a domain's settings come from.
public enum SettingsSource: String, Sendable, Hashable {
    /// The config file.
    case config
    /// The domain's DNS SRV records, looked up at run time.
    case dns
}
