import AutodiscoverCore
import Foundation

/// One `templates:` entry, checked: where it is served, what it is, how its values are escaped and where
/// the address comes from.
struct TemplateSettings: Sendable {
    enum AddressSource: String, Sendable {
        case required, optional, none
    }

    var name: String
    /// As written, with `{email}` as a whole segment when the address is part of the path.
    var path: String
    var contentType: String
    /// The template file, resolved against the configuration file's folder.
    var file: String
    var escaping: Escaping
    var address: AddressSource
    var notFoundFile: String?
    /// Where the entry is written (problems name it).
    var configFile: String
    var line: Int

    /// The path has an `{email}` segment.
    var addressInPath: Bool { path.contains("{email}") }

    /// The route: the whole path, or what comes before `{email}` (matched as a prefix).
    var routePrefix: String {
        guard let range = path.range(of: "{email}") else { return path }
        return String(path[..<range.lowerBound])
    }

    /// The address in a request path shaped like ``path`` (percent-decoded); nil when it is not there.
    func addressFromPath(_ requestPath: String) throws(RequestError) -> EmailAddress? {
        guard let range = path.range(of: "{email}") else { return nil }
        let before = path[..<range.lowerBound]
        let after = path[range.upperBound...]
        let lowered = requestPath.lowercased()
        guard lowered.hasPrefix(before.lowercased()), lowered.hasSuffix(after.lowercased()),
            requestPath.count >= before.count + after.count
        else { return nil }
        let segment = requestPath.dropFirst(before.count).dropLast(after.count)
        guard !segment.isEmpty, !segment.contains("/") else { return nil }
        let text = String(segment).removingPercentEncoding ?? String(segment)
        do {
            return try EmailAddress(text)
        } catch {
            throw .invalidAddress(error)
        }
    }

    /// The escaping a content type implies when none is given.
    static func escaping(for contentType: String) -> Escaping {
        let type = contentType.lowercased()
        if type.contains("json") { return .json }
        if type.contains("html") { return .html }
        if type.contains("xml") { return .xml }
        return .none
    }
}
