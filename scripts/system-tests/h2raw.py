"""A minimal HTTP/2 (h2c, prior knowledge) frame client for abuse tests: it writes exactly the frames
asked for, which a well-behaved library refuses to do (reset floods, stream floods, endless headers)."""
import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS = 0x1, 0x4
CANCEL, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x8, 0x7, 0xB


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream) + payload


def literal(index, value):
    """HPACK literal header field without indexing, name from the static table, no Huffman."""
    raw = value.encode()
    assert index < 15 and len(raw) < 127
    return bytes([index]) + bytes([len(raw)]) + raw


def request_block(path="/healthz", authority="example.com"):
    # :method GET (static 2), :scheme http (static 6), :path (name index 4), :authority (name index 1)
    return b"\x82\x86" + literal(4, path) + literal(1, authority)


class Connection:
    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        self.buffer = b""
        self.closed = False

    def send(self, data):
        """Sends; returns False once the server has closed or reset the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed = True
            return False

    def frames(self, until, limit=5.0):
        """Reads frames as (type, flags, stream, payload) until `until(frame)` is true, the connection
        closes, or `limit` seconds pass. Returns the frames read."""
        seen = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            while len(self.buffer) >= 9:
                length = struct.unpack(">I", b"\0" + self.buffer[:3])[0]
                if len(self.buffer) < 9 + length:
                    break
                kind, flags, stream = struct.unpack(">BBI", self.buffer[3:9])
                payload = self.buffer[9:9 + length]
                self.buffer = self.buffer[9 + length:]
                item = (kind, flags, stream & 0x7FFFFFFF, payload)
                seen.append(item)
                if kind == SETTINGS and not flags & 1:
                    self.send(frame(SETTINGS, 1, 0))
                if until(item):
                    return seen
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            self.buffer += chunk
        return seen

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
