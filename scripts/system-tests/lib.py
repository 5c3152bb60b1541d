"""Helpers for the system tests: start the release binary on loopback, learn its port, stop it."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else ".build/release/autodiscover"


def start(config_path, extra=()):
    """Starts `autodiscover serve` on 127.0.0.1:0 and returns (process, port)."""
    process = subprocess.Popen(
        [BINARY, "serve", "--config", config_path, "--listen", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.time()))
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "Listening":
            port = int(entry["autodiscover.listen"].rsplit(":", 1)[1])
            return process, port
    process.kill()
    raise SystemExit("server did not start: " + (process.stdout.read() or ""))


def stop(process, timeout=20):
    """SIGTERM, then wait; returns the exit code (kills and fails after `timeout` seconds)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit("server did not stop within %ss after SIGTERM" % timeout)


# The message of the server's warning line that reports log lines dropped while standard output's reader was behind.
DROPPED_NOTICE = "Log output was behind; lines dropped"

AUTOCONFIG_REQUEST = (b"GET /mail/config-v1.1.xml?emailaddress=alice%40example.com HTTP/1.1\r\n"
                      b"Host: example.com\r\n\r\n")


def send_without_reading(port, data, seconds):
    """Connects and sends `data` for `seconds` without reading anything (a client that pipelines and never
    reads its answers). Returns the socket, switched back to blocking, and the bytes the server took."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setblocking(False)
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sent < len(data):
        try:
            sent += sock.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    sock.setblocking(True)
    return sock, sent


def write_atomically(path, text):
    directory = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.rename(temporary, path)


def check(condition, message):
    if not condition:
        raise SystemExit("FAILED: " + message)
