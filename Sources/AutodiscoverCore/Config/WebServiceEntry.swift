/// One URL-based service as written (URL already checked to be https).
struct WebServiceEntry: Sendable {
    var line: Int
    var path: ConfigPath
    var url: (text: String, host: String, port: Int, path: String)?
    var username: UsernameTemplate?
    /// True when a `url` was written, even an invalid one (already reported).
    var urlWritten = false
}
