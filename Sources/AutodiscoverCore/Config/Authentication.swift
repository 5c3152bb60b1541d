/// How a client proves who it is, by Thunderbird's names (the config's `auth`).
public enum Authentication: String, Sendable, Hashable, CaseIterable {
    case passwordCleartext = "password-cleartext"
    case passwordEncrypted = "password-encrypted"
    case oauth2 = "OAuth2"
    case ntlm = "NTLM"
    case gssapi = "GSSAPI"
    case clientIPAddress = "client-IP-address"
    case tlsClientCert = "TLS-client-cert"
    case smtpAfterPOP = "smtp-after-pop"
    case none

    /// Accepts the names case-insensitively, plus Thunderbird's legacy `plain` and `secure`.
    public init?(configValue: String) {
        let lowered = configValue.lowercased()
        if let match = Authentication.allCases.first(where: { $0.rawValue.lowercased() == lowered }) {
            self = match
            return
        }
        switch lowered {
        case "plain": self = .passwordCleartext
        case "secure": self = .passwordEncrypted
        default: return nil
        }
    }
}
