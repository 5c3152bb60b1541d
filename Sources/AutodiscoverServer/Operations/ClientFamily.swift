/// The kind of client behind a request, from its User-Agent, for logs and metrics.
public enum ClientFamily: String, Sendable, CaseIterable {
    case outlook, thunderbird, apple, deltachat, android, other

    /// Classifies a User-Agent header (case-insensitive substring checks, most specific first).
    public init(userAgent: String?) {
        guard let agent = userAgent?.lowercased(), !agent.isEmpty else {
            self = .other
            return
        }
        if agent.contains("deltachat") || agent.contains("delta chat") || agent.contains("chatmail") {
            self = .deltachat
        } else if agent.contains("thunderbird") || agent.contains("k-9") || agent.contains("k9mail") {
            self = .thunderbird
        } else if agent.contains("outlook") || agent.contains("microsoft office") || agent.contains("msoffice")
            || agent.contains("ms-office")
        {
            self = .outlook
        } else if agent.contains("android") || agent.contains("dalvik") {
            self = .android
        } else if agent.contains("iphone") || agent.contains("ipad") || agent.contains("macintosh")
            || agent.contains("darwin") || agent.contains("cfnetwork") || agent.contains("dataaccessd")
        {
            self = .apple
        } else {
            self = .other
        }
    }
}
