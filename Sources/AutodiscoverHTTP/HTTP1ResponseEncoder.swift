import AutodiscoverCore

/// Writes an HTTP/1.1 response head (status line and headers) through one pointer into memory the caller
/// provides: one capacity check per response, not per line. The body follows as it is.
public enum HTTP1ResponseEncoder {
    /// How the connection goes on after a response.
    public struct Persistence: Sendable, Equatable {
        /// False adds `Connection: close`.
        public var keepAlive: Bool
        /// True adds `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
        public var announceKeepAlive: Bool

        public init(keepAlive: Bool, announceKeepAlive: Bool = false) {
            self.keepAlive = keepAlive
            self.announceKeepAlive = announceKeepAlive
        }

        public static let close = Persistence(keepAlive: false)
    }

    /// The most bytes ``writeHead(_:_:into:)`` writes for `response`.
    public static func headBound(_ response: HTTPResponse) -> Int {
        var fields = response.head.contentType.utf8.count + 16
        for (name, value) in response.head.headers { fields += name.utf8.count + value.utf8.count + 4 }
        // Status line, the answer's fields, then Allow, Cache-Control, Vary, ETag, Content-Length, Connection.
        return 32 + response.status.reasonPhrase.utf8.count + fields + (response.allow?.utf8.count ?? 0) + 9 + 40 + 12
            + ETag.maxLength + 8 + 40 + 26
    }

    /// Writes the head into `raw` (at least ``headBound(_:)`` bytes); returns the bytes written.
    public static func writeHead(_ response: HTTPResponse, _ persistence: Persistence, into raw: UnsafeMutableRawBufferPointer)
        -> Int
    {
        var head = HeadWriter(raw)
        head.statusLine(response.status)
        head.line("Content-Type", response.head.contentType)
        for (name, value) in response.head.headers { head.line(name, value) }
        if let allow = response.allow { head.line("Allow", allow) }
        head.put(response.cacheable ? "Cache-Control: private, max-age=3600\r\n" : "Cache-Control: no-store\r\n")
        if response.varyHost { head.put("Vary: Host\r\n") }
        if let tag = response.entityTag {
            head.put("ETag: ")
            head.etag(tag)
            head.put("\r\n")
        }
        if response.status != .notModified {
            head.put("Content-Length: ")
            head.decimal(response.contentLength)
            head.put("\r\n")
        }
        if !persistence.keepAlive {
            head.put("Connection: close\r\n")
        } else if persistence.announceKeepAlive {
            head.put("Connection: keep-alive\r\n")
        }
        head.put("\r\n")
        return head.count
    }

    /// The whole response as bytes (tests, and what the adapters write in two steps).
    public static func encode(_ response: HTTPResponse, _ persistence: Persistence) -> [UInt8] {
        var bytes = [UInt8](unsafeUninitializedCapacity: headBound(response)) { buffer, count in
            count = writeHead(response, persistence, into: UnsafeMutableRawBufferPointer(buffer))
        }
        if response.sendsBody { bytes += response.body }
        return bytes
    }

    /// `HTTP/1.1 100 Continue` and its blank line.
    public static let continueHead: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    /// Copies pieces of a response head into memory known to be large enough.
    private struct HeadWriter {
        let raw: UnsafeMutableRawBufferPointer
        var count = 0

        init(_ raw: UnsafeMutableRawBufferPointer) { self.raw = raw }

        mutating func put(_ bytes: UnsafeRawBufferPointer) {
            guard let source = bytes.baseAddress, bytes.count > 0 else { return }
            (raw.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        mutating func put(_ text: StaticString) {
            put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        mutating func put(_ text: String) {
            var text = text
            text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        }

        mutating func line(_ name: String, _ value: String) {
            put(name)
            put(": ")
            put(value)
            put("\r\n")
        }

        /// A non-negative number in decimal.
        mutating func decimal(_ number: Int) {
            count += DecimalText.write(UInt(max(number, 0)), to: raw.baseAddress! + count)
        }

        mutating func etag(_ tag: ETag) {
            let tail = UnsafeMutableRawBufferPointer(rebasing: raw[count...])
            count += tag.write(into: tail.bindMemory(to: UInt8.self))
        }

        mutating func statusLine(_ status: HTTPStatus) {
            switch status.code {
            case 200: put("HTTP/1.1 200 OK\r\n")
            case 304: put("HTTP/1.1 304 Not Modified\r\n")
            case 400: put("HTTP/1.1 400 Bad Request\r\n")
            case 404: put("HTTP/1.1 404 Not Found\r\n")
            case 405: put("HTTP/1.1 405 Method Not Allowed\r\n")
            default:
                put("HTTP/1.1 ")
                decimal(status.code)
                put(" ")
                put(status.reasonPhrase)
                put("\r\n")
            }
        }
    }
}
