import AutodiscoverHTTP
import NIOCore

extension Channel {
    /// Closes the sending side now and the whole connection after `grace`, dropping what the peer still
    /// sends meanwhile: closing at once with its bytes unread would make the kernel reset the connection,
    /// and the peer could lose the answer (or GOAWAY) that says why.
    func closeLingering(grace: TimeAmount) {
        close(mode: .output).whenComplete { result in
            if case .failure = result {
                self.close(promise: nil)
            } else {
                self.eventLoop.scheduleTask(in: grace) { self.close(promise: nil) }
            }
        }
    }
}

extension ByteBuffer {
    /// An HTTP/1.1 response written whole: its head through one pointer, then its body.
    mutating func writeHTTP1Response(_ response: HTTPResponse, _ persistence: HTTP1ResponseEncoder.Persistence) {
        let bound = HTTP1ResponseEncoder.headBound(response)
        writeWithUnsafeMutableBytes(minimumWritableBytes: bound) {
            HTTP1ResponseEncoder.writeHead(response, persistence, into: $0)
        }
        if response.sendsBody { writeBytes(response.body) }
    }
}
