import AutodiscoverCore

/// What the service reads from a request's head, the same for HTTP/1.1 and HTTP/2: the method, the target
/// and the few fields that change an answer, its headers or its log line. No list of fields is kept: each
/// field is matched by name as it is read and only the ones named here become strings, so a request
/// costs one string (its target) and whatever short values it sends.
public struct RequestHead: Sendable {
    public var method: Method
    public var uri: String
    public var version: Version
    public var fields: Fields

    public init(method: Method, uri: String, version: Version = .http1_1, fields: Fields = Fields()) {
        self.method = method
        self.uri = uri
        self.version = version
        self.fields = fields
    }

    /// A request method, as sent (methods are case-sensitive).
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let GET = Method(rawValue: "GET")
        public static let HEAD = Method(rawValue: "HEAD")
        public static let POST = Method(rawValue: "POST")
        public static let PUT = Method(rawValue: "PUT")
        public static let DELETE = Method(rawValue: "DELETE")
        public static let OPTIONS = Method(rawValue: "OPTIONS")
    }

    /// The protocol a request came over.
    public enum Version: Sendable, Equatable {
        case http1_0, http1_1, http2

        public var major: Int { self == .http2 ? 2 : 1 }
        public var minor: Int { self == .http1_0 ? 0 : self == .http1_1 ? 1 : 0 }
        /// As logged: `1.0`, `1.1`, `2`.
        public var text: String {
            switch self {
            case .http1_0: "1.0"
            case .http1_1: "1.1"
            case .http2: "2"
            }
        }
    }

    /// The fields the service reads (the first of each name counts), and what all of them add up to.
    public struct Fields: Sendable {
        public var host: String?
        public var userAgent: String?
        public var ifNoneMatch: String?
        public var forwardedHost: String?
        public var forwardedFor: String?
        public var forwardedProto: String?
        public var contentLength: String?
        /// Bytes of names and values, 4 more for each field, as counted against `max_header_bytes`.
        public var headerBytes = 0
        /// What `Connection` says: `close` or `keep-alive` tokens (any `close`, or more than one token,
        /// means close: what NIO's `HTTPHeaders` decide).
        public var connectionClose = false
        public var connectionKeepAlive = false

        public init() {}

        /// Reads one field: its name matched without regard to case.
        public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            headerBytes += name.count + value.count + 4
            // The names told apart by length first: one comparison for nearly every field.
            switch name.count {
            case 4 where ASCII.equalsLowercased(name, "host".utf8):
                keep(&host, value)
            case 10 where ASCII.equalsLowercased(name, "user-agent".utf8):
                keep(&userAgent, value)
            case 10 where ASCII.equalsLowercased(name, "connection".utf8):
                readConnection(value)
            case 13 where ASCII.equalsLowercased(name, "if-none-match".utf8):
                keep(&ifNoneMatch, value)
            case 14 where ASCII.equalsLowercased(name, "content-length".utf8):
                keep(&contentLength, value)
            case 15 where ASCII.equalsLowercased(name, "x-forwarded-for".utf8):
                keep(&forwardedFor, value)
            case 16 where ASCII.equalsLowercased(name, "x-forwarded-host".utf8):
                keep(&forwardedHost, value)
            case 17 where ASCII.equalsLowercased(name, "x-forwarded-proto".utf8):
                keep(&forwardedProto, value)
            default:
                break
            }
        }

        private func keep(_ field: inout String?, _ value: UnsafeRawBufferPointer) {
            if field == nil { field = String(decoding: value, as: UTF8.self) }
        }

        /// `Connection` holds comma-separated tokens; every such field counts.
        private mutating func readConnection(_ value: UnsafeRawBufferPointer) {
            var start = 0
            while start <= value.count {
                var end = start
                while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
                var (low, high) = (start, end)
                while low < high, value[low] == UInt8(ascii: " ") || value[low] == UInt8(ascii: "\t") { low += 1 }
                while high > low, value[high - 1] == UInt8(ascii: " ") || value[high - 1] == UInt8(ascii: "\t") { high -= 1 }
                let token = UnsafeRawBufferPointer(rebasing: value[low..<high])
                if ASCII.equalsIgnoringCase(token, "close".utf8) {
                    connectionClose = true
                } else if ASCII.equalsIgnoringCase(token, "keep-alive".utf8) {
                    if connectionKeepAlive { connectionClose = true }
                    connectionKeepAlive = true
                }
                start = end + 1
            }
        }
    }

    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0
    /// only with `Connection: keep-alive` (what NIO's `HTTPRequestHead.isKeepAlive` says).
    public var isKeepAlive: Bool {
        if fields.connectionClose { return false }
        if fields.connectionKeepAlive { return true }
        return version.major == 1 && version.minor >= 1
    }
}

extension RequestHead {
    /// Reads an HTTP/1.1 request head (`bytes` up to its blank line) in one pass: ``HTTP1Head`` checks it
    /// and works out the body's framing, each field is matched here as it is read.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTP1HeadError) -> (HTTP1Head, RequestHead) {
        var fields = Fields()
        let head = try HTTP1Head.parse(bytes) { field in
            fields.add(
                name: UnsafeRawBufferPointer(rebasing: bytes[field.name]),
                value: UnsafeRawBufferPointer(rebasing: bytes[field.value]))
        }
        return (head, RequestHead(head, bytes, fields: fields))
    }

    private init(_ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer, fields: Fields) {
        self.init(
            method: Self.method(bytes, head.method),
            uri: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[head.target]), as: UTF8.self),
            version: head.minorVersion == 0 ? .http1_0 : .http1_1, fields: fields)
    }

    private static func method(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Method {
        if HTTP1Head.equalsBytes(bytes, range, "GET") { return .GET }
        if HTTP1Head.equalsBytes(bytes, range, "POST") { return .POST }
        return Method(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }
}
