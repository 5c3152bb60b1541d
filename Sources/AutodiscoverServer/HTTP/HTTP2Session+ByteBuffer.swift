import AutodiscoverHTTP
import NIOCore

extension HTTP2Session {
    /// What the session has to send now, as one buffer (nil when nothing); `.failure` on a session error,
    /// after which the connection must close.
    func takeOutput(_ allocator: ByteBufferAllocator) -> Result<ByteBuffer?, HTTP2SessionFailed> {
        var output: ByteBuffer?
        let healthy = takeOutput { bytes in
            if output == nil { output = allocator.buffer(capacity: max(bytes.count, 1024)) }
            output!.writeBytes(bytes)
        }
        return healthy ? .success(output) : .failure(HTTP2SessionFailed())
    }
}

/// libnghttp2 could not produce the session's output.
struct HTTP2SessionFailed: Error {}
