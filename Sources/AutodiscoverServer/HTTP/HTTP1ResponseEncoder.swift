import AutodiscoverCore
import NIOCore
import NIOHTTP1

/// Writes a whole HTTP/1.1 response (status line, headers, body) into one buffer: one write per answer,
/// no response-part events through the pipeline. The head is written through one pointer into the
/// buffer's free space (a capacity check per response, not per line).
enum HTTP1ResponseEncoder {
    /// - Parameters:
    ///   - keepAlive: false adds `Connection: close`.
    ///   - announceKeepAlive: true adds `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
    static func encode(_ reply: RequestResponder.Reply, keepAlive: Bool, announceKeepAlive: Bool, into buffer: inout ByteBuffer) {
        let fieldLines = reply.answerHead.fieldLines
        let reason = reply.status.reasonPhrase.utf8.count
        let allow = reply.allow?.utf8.count ?? 0
        // Status line, the answer's lines, the lines below: never more than this.
        let most = 32 + reason + fieldLines.count + 48 + (allow + 9) + 12 + ETag.maxLength + 8 + 40 + 26
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: most) { raw in
            var head = HeadWriter(raw)
            head.statusLine(reply.status)
            head.put(fieldLines)
            // The headers of `Reply.forEachResponseHeader`, in its order.
            if let allow = reply.allow {
                head.put("Allow: ")
                head.put(allow)
                head.put("\r\n")
            }
            head.put(reply.cacheable ? "Cache-Control: private, max-age=3600\r\n" : "Cache-Control: no-store\r\n")
            if reply.varyHost { head.put("Vary: Host\r\n") }
            if let tag = reply.entityTag {
                head.put("ETag: ")
                head.etag(tag)
                head.put("\r\n")
            }
            if reply.status != .notModified {
                head.put("Content-Length: ")
                head.decimal(reply.contentLength)
                head.put("\r\n")
            }
            if !keepAlive {
                head.put("Connection: close\r\n")
            } else if announceKeepAlive {
                head.put("Connection: keep-alive\r\n")
            }
            head.put("\r\n")
            return head.count
        }
        if !reply.omitBody && reply.status != .notModified { buffer.writeBytes(reply.body) }
    }

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

        mutating func put(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { put($0) }
        }

        mutating func put(_ text: String) {
            var text = text
            text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        }

        /// A non-negative number in decimal.
        mutating func decimal(_ number: Int) {
            count += DecimalText.write(UInt(max(number, 0)), to: raw.baseAddress! + count)
        }

        mutating func etag(_ tag: ETag) {
            let tail = UnsafeMutableRawBufferPointer(rebasing: raw[count...])
            count += tag.write(into: tail.bindMemory(to: UInt8.self))
        }

        mutating func statusLine(_ status: HTTPResponseStatus) {
            switch status {
            case .ok: put("HTTP/1.1 200 OK\r\n")
            case .notModified: put("HTTP/1.1 304 Not Modified\r\n")
            case .badRequest: put("HTTP/1.1 400 Bad Request\r\n")
            case .notFound: put("HTTP/1.1 404 Not Found\r\n")
            case .methodNotAllowed: put("HTTP/1.1 405 Method Not Allowed\r\n")
            default:
                put("HTTP/1.1 ")
                decimal(Int(status.code))
                put(" ")
                put(status.reasonPhrase)
                put("\r\n")
            }
        }
    }
}
