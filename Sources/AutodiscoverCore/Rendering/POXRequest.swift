/// The two fields of an Outlook or ActiveSync autodiscover request body that matter.
public struct POXRequest: Sendable, Equatable {
    public var emailAddress: String?
    public var acceptableResponseSchema: String?

    /// Parses a request body with ``SafeXMLScanner``: element names match case-insensitively and
    /// without namespace prefixes; a DOCTYPE, entity declaration or anything malformed is refused.
    public static func parse(_ body: [UInt8]) throws(RequestError) -> POXRequest {
        var request = POXRequest()
        var path: [String] = []
        var text = ""
        do {
            try SafeXMLScanner(body).scan { event in
                switch event {
                case .start(let name):
                    path.append(name.lowercased())
                    text = ""
                case .text(let chunk):
                    text += chunk
                case .end:
                    let name = path.last ?? ""
                    if path.count >= 2, path[path.count - 2] == "request" {
                        let value = text.trimmingWhitespace
                        if name == "emailaddress", request.emailAddress == nil { request.emailAddress = value }
                        if name == "acceptableresponseschema", request.acceptableResponseSchema == nil {
                            request.acceptableResponseSchema = value
                        }
                    }
                    path.removeLast()
                    text = ""
                }
            }
        } catch {
            throw .invalidXML(error.reason)
        }
        return request
    }
}

extension String {
    /// Without leading and trailing XML white space.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var slice = Substring(self)
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
