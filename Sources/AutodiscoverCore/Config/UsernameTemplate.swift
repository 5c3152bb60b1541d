/// A login name pattern such as `%EMAILADDRESS%` or `mail-%EMAILLOCALPART%`.
///
/// Parsed once at load into literal and placeholder parts, so filling it in for a request is a
/// few appends. Formats the client fills in itself (Thunderbird) print ``text`` unchanged.
public struct UsernameTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One piece of a template.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case address
        case localPart
        case domain
    }

    public let parts: [Part]
    /// The template as written.
    public let text: String

    /// What to type, in words, for a person who has not given an address: "your full email address" for
    /// `%EMAILADDRESS%`, "the part of your email address before the @" for `%EMAILLOCALPART%`, literal parts
    /// quoted around them (`mail-` then the part before the @).
    public var forPeople: String {
        let words = parts.map { part -> String in
            switch part {
            case .literal(let text): return "\u{201C}\(text)\u{201D}"
            case .address: return "your full email address"
            case .localPart: return "the part of your email address before the @"
            case .domain: return "the part of your email address after the @"
            }
        }
        return words.count == 1 && parts.first.map({ if case .literal = $0 { false } else { true } }) == true
            ? words[0] : words.joined(separator: " then ")
    }

    /// `%EMAILADDRESS%`, the default everywhere.
    public static let address = UsernameTemplate(validated: "%EMAILADDRESS%", parts: [.address])

    /// The placeholders a template may use.
    public static let placeholders = ["%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"]

    private init(validated text: String, parts: [Part]) {
        self.text = text
        self.parts = parts
    }

    /// Parses a template; an unknown `%NAME%` placeholder is an error naming it.
    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let start = rest.firstIndex(of: "%") {
            literal += rest[..<start]
            let afterStart = rest.index(after: start)
            guard let end = rest[afterStart...].firstIndex(of: "%") else {
                throw TemplateError(message: "has a % without a closing %")
            }
            let name = rest[start...end]
            let part: Part
            switch name {
            case "%EMAILADDRESS%": part = .address
            case "%EMAILLOCALPART%": part = .localPart
            case "%EMAILDOMAIN%": part = .domain
            default:
                throw TemplateError(
                    message: "unknown placeholder \(name); use \(UsernameTemplate.placeholders.joined(separator: ", "))")
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(part)
            rest = rest[rest.index(after: end)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.text = text
        self.parts = parts
    }

    /// True when the template does not depend on the address.
    public var isLiteral: Bool { parts.allSatisfy { if case .literal = $0 { true } else { false } } }

    /// The login name for one address.
    public func fill(_ address: EmailAddress) -> String {
        if parts.count == 1, case .address = parts[0] { return address.description }
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .address: result += address.description
            case .localPart: result += address.localPart
            case .domain: result += address.domain.ascii
            }
        }
        return result
    }

    public var description: String { text }
}

/// A username template that could not be parsed.
public struct TemplateError: Error, Sendable, Equatable {
    public var message: String
}
