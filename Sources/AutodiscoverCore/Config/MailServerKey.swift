/// The keys of a host-based server's mapping.
enum MailServerKey: String, CaseIterable {
    case host, port, socket, auth, username

    static let named = KeyTable<MailServerKey>()

    var bit: Int {
        switch self {
        case .host: 0
        case .port: 1
        case .socket: 2
        case .auth: 3
        case .username: 4
        }
    }
}
