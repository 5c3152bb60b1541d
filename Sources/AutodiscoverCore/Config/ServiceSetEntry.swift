/// Stage 1: one provider's or domain's settings as written in a file, every field optional.
///
/// Field-level checks (types, ports, socket and auth names, host names, https URLs) happen while
/// reading, so each problem points at its own line; inheritance and whole-domain checks come later
/// in ``ConfigResolver``.
struct ServiceSetEntry: Sendable {
    var file: String
    var line: Int
    var path: ConfigPath

    var provider: (name: String, line: Int)?
    var displayName: String?
    var displayShortName: String?
    var aliases: [(name: DomainName, line: Int)] = []
    var servers = PerKind<ServiceField<[MailServerEntry]>>()
    var webServices = PerKind<ServiceField<WebServiceEntry>>()
    var autodiscover: AutodiscoverEndpoint?
    var redirect: (redirect: Redirect, line: Int)?
    var source: SettingsSource?
    var oauth2: OAuth2Settings?
    var helpURL: String?

    init(file: String, line: Int, path: ConfigPath) {
        self.file = file
        self.line = line
        self.path = path
    }
}
