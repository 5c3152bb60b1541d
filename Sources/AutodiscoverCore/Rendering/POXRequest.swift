/// The two fields of an Outlook or ActiveSync autodiscover request body that matter.
public struct POXRequest: Sendable, Equatable {
    public var emailAddress: String?
    public var acceptableResponseSchema: String?

    /// The elements the parser tells apart.
    private enum Element {
        case request, emailAddress, acceptableResponseSchema, other

        /// Told apart by length first: one comparison at most.
        init(_ name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 7 where ASCII.equalsLowercased(name, "request".utf8): self = .request
            case 12 where ASCII.equalsLowercased(name, "emailaddress".utf8): self = .emailAddress
            case 24 where ASCII.equalsLowercased(name, "acceptableresponseschema".utf8): self = .acceptableResponseSchema
            default: self = .other
            }
        }
    }

    /// Parses a request body with ``SafeXMLScanner``: element names match case-insensitively and
    /// without namespace prefixes; a DOCTYPE, entity declaration or anything malformed is refused.
    /// The fields are the first `EMailAddress` and `AcceptableResponseSchema` directly inside a `Request`,
    /// their text (after their last child element, if any) without surrounding XML white space. Names are
    /// compared as bytes and only those two texts are copied: the open elements' kinds live on the stack.
    public static func parse(_ body: [UInt8]) throws(RequestError) -> POXRequest {
        let scanner = SafeXMLScanner(body)
        var failure: SafeXMLScanner.Failure?
        let request = withUnsafeTemporaryAllocation(of: Element.self, capacity: max(scanner.maxDepth, 1)) { kinds in
            var request = POXRequest()
            var depth = 0
            /// Whether the element at `level` is one of the two fields, inside a `Request`, not yet read.
            func wanted(_ level: Int) -> Bool {
                guard level > 0, kinds[level - 1] == .request else { return false }
                switch kinds[level] {
                case .emailAddress: return request.emailAddress == nil
                case .acceptableResponseSchema: return request.acceptableResponseSchema == nil
                default: return false
                }
            }
            /// The innermost open element is wanted: its text is kept.
            var collecting = false
            var text: [UInt8] = []
            do throws(SafeXMLScanner.Failure) {
                try scanner.scan { event in
                    switch event {
                    case .start(let name):
                        kinds[depth] = Element(name)
                        collecting = wanted(depth)
                        depth += 1
                        text.removeAll(keepingCapacity: true)
                    case .text(let piece):
                        if collecting { text.append(contentsOf: piece) }
                    case .attribute:
                        break
                    case .end:
                        depth -= 1
                        if collecting {
                            if kinds[depth] == .emailAddress {
                                request.emailAddress = trimmed(text)
                            } else {
                                request.acceptableResponseSchema = trimmed(text)
                            }
                        }
                        // The enclosing element is open again; only text after this end tag counts as its own.
                        collecting = depth > 0 && wanted(depth - 1)
                        text.removeAll(keepingCapacity: true)
                    }
                }
            } catch {
                failure = error
            }
            return request
        }
        if let failure { throw .invalidXML(failure.reason) }
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
