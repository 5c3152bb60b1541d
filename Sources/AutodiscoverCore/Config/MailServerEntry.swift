/// One host-based server as written.
struct MailServerEntry: Sendable {
    var line: Int
    var path: ConfigPath
    var host: String?
    var port: Int?
    var security: ConnectionSecurity?
    var authentication: Authentication?
    var username: UsernameTemplate?
}
