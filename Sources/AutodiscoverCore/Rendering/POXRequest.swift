/// The two fields of an Outlook or ActiveSync autodiscover request body that matter.
public struct POXRequest: Sendable, Equatable {
    public var emailAddress: String?
    public var acceptableResponseSchema: String?

    /// The elements the parser tells apart.
    private enum Element {
        case request, emailAddress, acceptableResponseSchema, other

        init(_ name: UnsafeBufferPointer<UInt8>) {
            if ASCII.equalsLowercased(name, "request".utf8) {
                self = .request
            } else if ASCII.equalsLowercased(name, "emailaddress".utf8) {
                self = .emailAddress
            } else if ASCII.equalsLowercased(name, "acceptableresponseschema".utf8) {
                self = .acceptableResponseSchema
            } else {
                self = .other
            }
        }
    }

    /// Parses a request body with ``SafeXMLScanner``: element names match case-insensitively and
    /// without namespace prefixes; a DOCTYPE, entity declaration or anything malformed is refused.
    /// The fields are the first `EMailAddress` and `AcceptableResponseSchema` directly inside a `Request`,
    /// their text without surrounding XML white space. Names are compared as bytes: no string is made
    /// but the two values.
    public static func parse(_ body: [UInt8]) throws(RequestError) -> POXRequest {
        var request = POXRequest()
        var path: [Element] = []
        path.reserveCapacity(16)
        var text: [UInt8] = []
        text.reserveCapacity(256)
        do {
            try SafeXMLScanner(body).scan { event in
                switch event {
                case .start(let name):
                    path.append(Element(name))
                    text.removeAll(keepingCapacity: true)
                case .text(let chunk):
                    text.append(contentsOf: chunk)
                case .end:
                    if path.count >= 2, path[path.count - 2] == .request {
                        switch path[path.count - 1] {
                        case .emailAddress where request.emailAddress == nil:
                            request.emailAddress = trimmed(text)
                        case .acceptableResponseSchema where request.acceptableResponseSchema == nil:
                            request.acceptableResponseSchema = trimmed(text)
                        default:
                            break
                        }
                    }
                    path.removeLast()
                    text.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            throw .invalidXML(error.reason)
        }
        return request
    }

    /// The text without leading and trailing XML white space (space, tab, CR, LF).
    private static func trimmed(_ bytes: [UInt8]) -> String {
        let isSpace = SafeXMLScanner.isSpace
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
