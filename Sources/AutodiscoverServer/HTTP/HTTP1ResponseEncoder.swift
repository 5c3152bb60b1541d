import AutodiscoverCore
import NIOCore
import NIOHTTP1

/// Writes a whole HTTP/1.1 response (status line, headers, body) into one buffer: one write per answer,
/// no response-part events through the pipeline.
enum HTTP1ResponseEncoder {
    /// - Parameters:
    ///   - keepAlive: false adds `Connection: close`.
    ///   - announceKeepAlive: true adds `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
    static func encode(_ reply: RequestResponder.Reply, keepAlive: Bool, announceKeepAlive: Bool, into buffer: inout ByteBuffer) {
        writeStatusLine(reply.status, into: &buffer)
        buffer.writeBytes(reply.answerHead.fieldLines)
        reply.forEachResponseHeader { name, value in writeField(name, value, into: &buffer) }
        if reply.status != .notModified {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(reply.contentLength))
            buffer.writeStaticString("\r\n")
        }
        if !keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if announceKeepAlive {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if !reply.omitBody && reply.status != .notModified { buffer.writeBytes(reply.body) }
    }

    @inline(__always)
    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    private static func writeStatusLine(_ status: HTTPResponseStatus, into buffer: inout ByteBuffer) {
        switch status {
        case .ok: buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
        case .notModified: buffer.writeStaticString("HTTP/1.1 304 Not Modified\r\n")
        case .badRequest: buffer.writeStaticString("HTTP/1.1 400 Bad Request\r\n")
        case .notFound: buffer.writeStaticString("HTTP/1.1 404 Not Found\r\n")
        case .methodNotAllowed: buffer.writeStaticString("HTTP/1.1 405 Method Not Allowed\r\n")
        default:
            buffer.writeStaticString("HTTP/1.1 ")
            buffer.writeString(String(status.code))
            buffer.writeStaticString(" ")
            buffer.writeString(status.reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
    }
}
