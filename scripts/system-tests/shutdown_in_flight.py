"""SIGTERM while 100 requests are in flight over HTTP/1.1 and 20 over h2c: all complete, new
connections are refused, exit 0.

Each client sends a POX request's headers and half its body, so the request is in flight when
SIGTERM arrives; then it sends the rest and must get a complete 200 answer. An HTTP/2 connection must
also say GOAWAY before its answer and be closed after it. Then a client that pipelines requests and
never reads the answers must not hold the process: it exits 0 once request_timeout (2 s here) has passed.
"""
import os
import socket
import tempfile
import time

import h2raw
import lib

IN_FLIGHT = 100
IN_FLIGHT_H2 = 20
BODY = (
    '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
    'autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress>'
    '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'
    '</AcceptableResponseSchema></Request></Autodiscover>'
).encode()


def read_response(sock):
    data = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    status = int(head.split(b" ")[1])
    return status, body


def start_h2(port, half):
    """An h2c connection with one POX stream open: its HEADERS and the first half of its body."""
    connection = h2raw.Connection(port, timeout=10)
    # :method POST (static 3), :scheme http (static 6), :path and :authority as literals.
    block = b"\x83\x86" + h2raw.literal(4, "/autodiscover/autodiscover.xml") + h2raw.literal(1, "autodiscover.example.com")
    connection.send(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, 1, block) + h2raw.frame(h2raw.DATA, 0, 1, BODY[:half]))
    return connection


def finish_h2(connection, half):
    """Sends the rest of the body; true when GOAWAY, a 200 answer with the whole body and the close came."""
    connection.send(h2raw.frame(h2raw.DATA, h2raw.END_STREAM, 1, BODY[half:]))
    frames = connection.frames(lambda f: f[0] == h2raw.DATA and f[1] & h2raw.END_STREAM, limit=10)
    goaway = any(f[0] == h2raw.GOAWAY for f in frames)
    # :status 200 is static table entry 8, which a server's encoder sends as the one byte 0x88.
    status = any(f[0] == h2raw.HEADERS and f[2] == 1 and f[3][:1] == b"\x88" for f in frames)
    body = b"".join(f[3] for f in frames if f[0] == h2raw.DATA and f[2] == 1)
    connection.frames(lambda f: False, limit=5)  # returns at once when the server closes
    closed = connection.closed
    connection.close()
    return goaway and status and b"<Server>imap4.example.com</Server>" in body and closed


def main():
    directory = tempfile.mkdtemp(prefix="autodiscover-shutdown-")
    path = os.path.join(directory, "config.yaml")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "config.yaml")) as source:
        lib.write_atomically(path, source.read())
    process, port = lib.start(path, ["--no-access-log"])
    half = len(BODY) // 2
    sockets = []
    for _ in range(IN_FLIGHT):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: autodiscover.example.com\r\n"
            b"Content-Type: text/xml\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY[:half])
        sockets.append(sock)
    connections = [start_h2(port, half) for _ in range(IN_FLIGHT_H2)]
    time.sleep(0.3)  # let the server read every partial request before the signal
    process.send_signal(15)
    time.sleep(0.3)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        refused = True
    completed = 0
    for sock in sockets:
        sock.sendall(BODY[half:])
        status, body = read_response(sock)
        if status == 200 and b"<Server>imap4.example.com</Server>" in body:
            completed += 1
        sock.close()
    completed_h2 = sum(1 for connection in connections if finish_h2(connection, half))
    code = lib.stop(process)
    print(f"shutdown with {IN_FLIGHT} in flight over HTTP/1.1 and {IN_FLIGHT_H2} over h2c: {completed} and "
          f"{completed_h2} completed (h2c: GOAWAY, 200, closed), new connection refused: {refused}, exit code {code}")
    lib.check(completed == IN_FLIGHT, "not every in-flight request completed")
    lib.check(completed_h2 == IN_FLIGHT_H2, "not every in-flight HTTP/2 stream completed with GOAWAY and close")
    lib.check(refused, "a new connection was accepted after SIGTERM")
    lib.check(code == 0, "exit code %s" % code)
    stuck_client(directory)


def stuck_client(directory):
    path = os.path.join(directory, "config-2s.yaml")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "config.yaml")) as source:
        lib.write_atomically(path, source.read().replace("request_timeout: 30s", "request_timeout: 2s"))
    process, port = lib.start(path, ["--no-access-log"])
    sock, sent = lib.send_without_reading(port, lib.AUTOCONFIG_REQUEST * 100000, 1.0)
    begun = time.monotonic()
    code = lib.stop(process, timeout=10)
    seconds = time.monotonic() - begun
    sock.close()
    print(f"shutdown with a client that never reads ({sent / 1e6:.1f} MB of requests sent): exit code {code} "
          f"after {seconds:.1f} s (request_timeout 2 s)")
    lib.check(code == 0 and 1.5 < seconds < 5, "a client that never reads held the shutdown: %s after %.1f s" % (code, seconds))


if __name__ == "__main__":
    main()
