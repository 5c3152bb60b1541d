"""SIGTERM while 100 requests are in flight: all 100 complete, new connections are refused, exit 0.

Each client sends a POX request's headers and half its body, so the request is in flight when
SIGTERM arrives; then it sends the rest and must get a complete 200 answer.
"""
import os
import socket
import tempfile
import time

import lib

IN_FLIGHT = 100
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
    code = lib.stop(process)
    print(f"shutdown with {IN_FLIGHT} in flight: {completed} completed, new connection refused: {refused}, "
          f"exit code {code}")
    lib.check(completed == IN_FLIGHT, "not every in-flight request completed")
    lib.check(refused, "a new connection was accepted after SIGTERM")
    lib.check(code == 0, "exit code %s" % code)


if __name__ == "__main__":
    main()
