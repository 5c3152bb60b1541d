"""Hostile input against the release binary on loopback: every row of product.md section 6, over the wire.

Each check prints one line with what it measured. The run fails on the first broken expectation, on
any 5xx answer, or if the process dies; at the end every endpoint must still give the answers it gave
before the attacks, byte for byte.
"""
import http.client
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2raw  # noqa: E402
from lib import AUTOCONFIG_REQUEST, DROPPED_NOTICE, check, send_without_reading, start, stop  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADER_TIMEOUT = 3
statuses = []  # every HTTP status seen, to assert that none is 5xx


def note(message):
    print("  " + message, flush=True)


# ---------------------------------------------------------------------------------------------- setup

work = tempfile.mkdtemp(prefix="autodiscover-hostile-")
secret = "CANARY-%d-SECRET" % os.getpid()
canary_file = os.path.join(work, "canary.txt")
with open(canary_file, "w") as handle:
    handle.write(secret + "\n")
canary_fifo = os.path.join(work, "canary.fifo")
os.mkfifo(canary_fifo)

canary_listener = socket.socket()
canary_listener.bind(("127.0.0.1", 0))
canary_listener.listen(16)
canary_port = canary_listener.getsockname()[1]

config_text = open(os.path.join(REPO, "config.yaml")).read()
# Loopback is not a trusted proxy here, so X-Forwarded-Host from this test must be ignored.
config_text = re.sub(r"trusted_proxies: .*", 'trusted_proxies: ["192.0.2.0/24"]', config_text, count=1)
config_text = re.sub(r"header_timeout: \S+", "header_timeout: %ds" % HEADER_TIMEOUT, config_text, count=1)
config_path = os.path.join(work, "config.yaml")
with open(config_path, "w") as handle:
    handle.write(config_text)

process, port = start(config_path)
log_lines = []


def drain():
    for line in process.stdout:
        log_lines.append(line)


drainer = threading.Thread(target=drain, daemon=True)
drainer.start()


def rss_kib():
    with open("/proc/%d/status" % process.pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def alive():
    check(process.poll() is None, "the server process died (exit %s)" % process.poll())


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds


def request(method, path, body=None, headers=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    begun = time.monotonic()
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    seconds = time.monotonic() - begun
    if own:
        connection.close()
    statuses.append(response.status)
    check(response.status < 500, "%s %s got %d" % (method, path[:80], response.status))
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, seconds)


def raw(data, limit=10.0):
    """Sends raw bytes on a fresh connection; returns everything until the server closes (or `limit`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=limit)
    sock.sendall(data)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except socket.timeout:
        pass
    finally:
        sock.close()
    match = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    if match:
        statuses.append(int(match.group(1)))
        check(int(match.group(1)) < 500, "raw request got %s" % match.group(1))
    return received


OUTLOOK_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
OUTLOOK_RESPONSE = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILE_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
MOBILE_RESPONSE = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"


def pox(address, request_ns=OUTLOOK_REQUEST, response_ns=OUTLOOK_RESPONSE, prolog=""):
    return (prolog + '<Autodiscover xmlns="%s"><Request><EMailAddress>%s</EMailAddress>'
            "<AcceptableResponseSchema>%s</AcceptableResponseSchema></Request></Autodiscover>"
            % (request_ns, address, response_ns)).encode()


POX_PATH = "/autodiscover/autodiscover.xml"
XML = {"Content-Type": "text/xml; charset=utf-8"}


def endpoint_answers():
    """One request per endpoint and variant; returns {name: (status, body)} to compare before and after."""
    cases = {
        "autoconfig": ("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com", None, {}),
        "autoconfig-well-known": ("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", None,
                                  {"Host": "autoconfig.example.com"}),
        "pox-outlook": ("POST", POX_PATH, pox("alice@example.com"), XML),
        "pox-mobilesync": ("POST", POX_PATH, pox("alice@example.com", MOBILE_REQUEST, MOBILE_RESPONSE), XML),
        "pox-get": ("GET", POX_PATH, None, {"Host": "autodiscover.example.com"}),
        "json-query": ("GET", "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1",
                       None, {}),
        "json-path": ("GET", "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync", None, {}),
        "pacc": ("GET", "/.well-known/user-agent-configuration.json", None, {"Host": "example.com"}),
        "mobileconfig": ("GET", "/mobileconfig?emailaddress=alice%40example.com", None, {}),
        "settings": ("GET", "/settings?emailaddress=alice%40example.com", None, {}),
        "healthz": ("GET", "/healthz", None, {}),
    }
    answers = {}
    for name, (method, path, body, headers) in cases.items():
        answer = request(method, path, body, headers)
        check(answer.status == 200, "%s: status %d" % (name, answer.status))
        answers[name] = answer.body
    return answers


# --------------------------------------------------------------------------------------------- checks

def check_baseline():
    global baseline
    baseline = endpoint_answers()
    note("baseline: %d endpoints answer 200" % len(baseline))


def check_xxe():
    fifo_open = []
    file_uri = "file://" + canary_file
    attacks = {
        "external entity (file)": '<!DOCTYPE a [<!ENTITY x SYSTEM "%s">]>' % file_uri,
        "external entity (fifo)": '<!DOCTYPE a [<!ENTITY x SYSTEM "file://%s">]>' % canary_fifo,
        "external entity (http)": '<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:%d/x">]>' % canary_port,
        "external DTD (http)": '<!DOCTYPE a SYSTEM "http://127.0.0.1:%d/dtd">' % canary_port,
        "parameter entity (http)": '<!DOCTYPE a [<!ENTITY %% p SYSTEM "http://127.0.0.1:%d/p"> %%p;]>' % canary_port,
        "public id (file)": '<!DOCTYPE a PUBLIC "-//A//B" "%s">' % file_uri,
    }
    for name, prolog in attacks.items():
        answer = request("POST", POX_PATH, pox("&x;", prolog=prolog), XML)
        check(answer.status == 400 and b"<ErrorCode>600</ErrorCode>" in answer.body,
              "XXE %s: got %d %r" % (name, answer.status, answer.body[:200]))
        check(secret.encode() not in answer.body, "XXE %s: canary content in the answer" % name)
    xinclude = ('<Autodiscover xmlns="%s" xmlns:xi="http://www.w3.org/2001/XInclude"><Request><EMailAddress>'
                '<xi:include href="%s" parse="text"/></EMailAddress></Request></Autodiscover>'
                % (OUTLOOK_REQUEST, file_uri)).encode()
    answer = request("POST", POX_PATH, xinclude, XML)
    check(secret.encode() not in answer.body, "XInclude: canary content in the answer")
    # A reader on the FIFO would let this non-blocking open for writing succeed.
    try:
        fd = os.open(canary_fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        fifo_open.append(True)
    except OSError:
        pass
    check(not fifo_open, "XXE: the FIFO canary was opened")
    ready, _, _ = select.select([canary_listener], [], [], 1.0)
    check(not ready, "XXE: the HTTP canary listener was contacted")
    note("XXE: %d variants + XInclude -> 400/600, file canary not in any answer, FIFO never opened, "
         "HTTP canary not contacted" % len(attacks))


def check_billion_laughs():
    entities = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        entities.append('<!ENTITY lol%d "%s">' % (level, ("&lol%s;" % ("" if level == 1 else level - 1)) * 10))
    body = pox("&lol9;", prolog="<?xml version=\"1.0\"?><!DOCTYPE lolz [%s]>" % "".join(entities))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    request("GET", "/healthz", connection=connection)  # warm the connection
    before = rss_kib()
    times = []
    for _ in range(500):
        answer = request("POST", POX_PATH, body, XML, connection=connection)
        check(answer.status == 400 and b"<ErrorCode>600</ErrorCode>" in answer.body, "billion laughs: %d" % answer.status)
        times.append(answer.seconds)
    connection.close()
    after = rss_kib()
    times.sort()
    median, p99, worst = times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]
    note("billion laughs: 500 requests, 400/600 each, median %.2f ms, p99 %.2f ms, max %.2f ms; RSS %d -> %d KiB"
         % (median * 1e3, p99 * 1e3, worst * 1e3, before, after))
    check(p99 < 0.010, "billion laughs: p99 %.1f ms is not under 10 ms" % (p99 * 1e3))
    check(after - before < 4096, "billion laughs: RSS grew by %d KiB" % (after - before))


def send_until_answer(head, chunk, total):
    """Sends `head`, then `chunk` repeatedly (up to `total` bytes) while watching for an answer.
    Returns (seconds until the status line arrived, body bytes sent, status line)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    begun = time.monotonic()
    pending = head
    sent = 0
    received = b""
    while time.monotonic() - begun < 5:
        want_write = [sock] if sent < total or pending else []
        readable, writable, _ = select.select([sock], want_write, [], 0.5)
        if readable:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            received += data
            if b"\r\n" in received or not data:
                break
        if writable:
            if not pending:
                pending = chunk
            try:
                written = sock.send(pending)
            except OSError:
                break
            if pending is not head:
                sent += written
            pending = pending[written:]
    seconds = time.monotonic() - begun
    sock.close()
    line = received.split(b"\r\n", 1)[0].decode(errors="replace")
    if line.startswith("HTTP/"):
        statuses.append(int(line.split()[1]))
    return seconds, sent, line


def check_body_limits():
    ten_mb = 10 * 1024 * 1024
    head = ("POST %s HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
            % (POX_PATH, ten_mb)).encode()
    seconds, sent, line = send_until_answer(head, b"x" * 65536, ten_mb)
    check(line.startswith("HTTP/1.1 413"), "10 MB by Content-Length: got %r" % line)
    check(seconds < 1.0, "10 MB by Content-Length: 413 after %.2f s" % seconds)
    note("10 MB by Content-Length: %s after %.1f ms, %d of %d body bytes sent" % (line, seconds * 1e3, sent, ten_mb))

    head = ("POST %s HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
            % POX_PATH).encode()
    chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
    seconds, sent, line = send_until_answer(head, chunk, ten_mb)
    check(line.startswith("HTTP/1.1 413"), "10 MB chunked: got %r" % line)
    check(seconds < 1.0, "10 MB chunked: 413 after %.2f s" % seconds)
    note("10 MB chunked: %s after %.1f ms, %d body bytes sent" % (line, seconds * 1e3, sent))

    big = os.path.join(work, "ten-mb.xml")
    with open(big, "wb") as handle:
        handle.write(b"x" * ten_mb)
    begun = time.monotonic()
    result = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}", "-m", "10", "--http2-prior-knowledge",
         "-H", "Content-Type: text/xml", "--data-binary", "@" + big, "http://127.0.0.1:%d%s" % (port, POX_PATH)],
        capture_output=True, text=True)
    seconds = time.monotonic() - begun
    code, uploaded = result.stdout.split()
    statuses.append(int(code))
    check(code == "413" and seconds < 1.0, "10 MB over h2c: %s after %.2f s" % (code, seconds))
    note("10 MB over h2c (curl): %s after %.1f ms, %s bytes uploaded" % (code, seconds * 1e3, uploaded))


def check_malformed_xml():
    bodies = [
        b"", b"<", b"not xml at all", b"<Autodiscover>", b"<Autodiscover></Request>",
        b"<Autodiscover xmlns='x'><Request><EMailAddress>a@example.com</Request></Autodiscover>",
        b"\x00\x01\x02\xff\xfe", b"\xef\xbb\xbf", "<Autodiscover>\u0000</Autodiscover>".encode(),
        b"<?xml version='1.0' encoding='UTF-7'?><Autodiscover/>", b"<a>" * 50000,
        b"<Autodiscover>" + b"<x/>" * 4000 + b"</Autodiscover>",
        b"<Autodiscover><Request><EMailAddress>" + b"a" * 15000 + b"</EMailAddress></Request></Autodiscover>",
        b"<![CDATA[<Autodiscover/>]]>", b"<Autodiscover a='1' a='2'/>", b"<Autodiscover><!-- x --",
        b"<?xml-stylesheet href='http://127.0.0.1/x'?><Autodiscover/>", b"<Autodiscover>&#0;</Autodiscover>",
        b"<Autodiscover>&#xD800;</Autodiscover>", b"<Autodiscover>&unknown;</Autodiscover>",
        b"\xc3\x28\xa0\xa1<Autodiscover/>", b"<Autodiscover xmlns:='x'/>",
        # A control byte deep in an otherwise valid request (the character check reads eight bytes a step),
        # and an attribute value with an entity XML does not define.
        pox("alice@example.com").replace(b"</Request>", b"\x01</Request>"),
        pox("alice@example.com", prolog="<!-- 0123456789abcdef\x1f -->"),
        pox("alice@example.com", request_ns="urn:a&bogus;b"),
    ]
    for body in bodies:
        answer = request("POST", POX_PATH, body, XML)
        check(answer.status in (400, 413), "malformed %r: got %d" % (body[:40], answer.status))
        if answer.status == 400:
            check(b"<ErrorCode>600</ErrorCode>" in answer.body, "malformed %r: no error 600" % body[:40])
    # What XML allows beside them is still answered: tab, line breaks and UTF-8 in a comment, a predefined
    # entity in an attribute value.
    for body in [pox("alice@example.com", prolog="<!-- 0123456789abcdef\t\r\n\u00e9 -->"),
                 pox("alice@example.com", request_ns=OUTLOOK_REQUEST + "?a&amp;b")]:
        answer = request("POST", POX_PATH, body, XML)
        check(answer.status == 200, "valid %r: got %d" % (body[:40], answer.status))
    note("malformed XML: %d bodies -> 400 with error 600 (or 413 when over the size limit); 2 valid ones with "
         "a tab, line breaks, UTF-8 and &amp; -> 200" % len(bodies))


HOSTILE_ADDRESSES = [
    "<script>alert(1)</script>@example.com", "a\"b'c@example.com", "a<b>@example.com", "alice@exa<mple.com",
    "alice@example.com<x>", "a\x00b@example.com", "a\r\nX-Injected: 1@example.com", "a\x1b[31m@example.com",
    "a\x7f@example.com", "x" * 65 + "@example.com", "alice@" + "a" * 64 + ".example.com",
    "alice@" + ".".join(["abcdefghij"] * 26) + ".com", "&amp;@example.com", "]]>@example.com",
    "alice@example.com\u202e", "\ufeffalice@example.com", "alice@@example.com", "@example.com", "alice@",
    "%00@example.com", "a{{x}}@example.com", "${jndi:ldap://127.0.0.1/a}@example.com",
]
RAW_MARKERS = [b"<script>", b"X-Injected", b"\x00", b"\x1b", b"<x>", b"<b>", b"${jndi"]


def check_addresses():
    count = 0
    for address in HOSTILE_ADDRESSES:
        quoted = urllib.parse.quote(address, safe="")
        escaped = address.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # controls stay raw
        requests = [
            ("GET", "/mail/config-v1.1.xml?emailaddress=" + quoted, None, {}),
            ("GET", "/autodiscover/autodiscover.json?Email=%s&Protocol=AutodiscoverV1" % quoted, None, {}),
            ("GET", "/autodiscover/autodiscover.json/v1.0/%s?Protocol=ActiveSync" % quoted, None, {}),
            ("GET", "/mobileconfig?emailaddress=" + quoted, None, {}),
            ("GET", "/settings?emailaddress=" + quoted, None, {}),
            ("POST", POX_PATH, pox(escaped), XML),
            ("POST", POX_PATH, pox(escaped, MOBILE_REQUEST, MOBILE_RESPONSE), XML),
        ]
        for method, path, body, headers in requests:
            answer = request(method, path, body, headers)
            count += 1
            check(answer.status in (200, 400, 404), "address %r on %s: %d" % (address, path[:40], answer.status))
            for marker in RAW_MARKERS:
                if marker.decode("latin-1") in address:
                    check(marker not in answer.body, "address %r echoed raw %r on %s" % (address, marker, path[:40]))
            check("x-injected" not in answer.headers, "header injected by %r" % address)
    note("hostile addresses: %d addresses x 7 endpoints = %d requests, none 5xx, nothing echoed raw"
         % (len(HOSTILE_ADDRESSES), count))


def check_unknown_domains():
    unknown = ["nobody@unknown-one.test", "root@unknown-two.invalid", "x@sub.example.org", "a.b@xn--bcher-kva.test",
               "postmaster@localhost", "alice@example.com.evil.test"]
    endpoints = [
        ("autoconfig", lambda a: ("GET", "/mail/config-v1.1.xml?emailaddress=" + urllib.parse.quote(a), None, {})),
        ("json", lambda a: ("GET", "/autodiscover/autodiscover.json?Email=%s&Protocol=ActiveSync"
                            % urllib.parse.quote(a), None, {})),
        ("pox", lambda a: ("POST", POX_PATH, pox(a), XML)),
        ("mobilesync", lambda a: ("POST", POX_PATH, pox(a, MOBILE_REQUEST, MOBILE_RESPONSE), XML)),
        ("mobileconfig", lambda a: ("GET", "/mobileconfig?emailaddress=" + urllib.parse.quote(a), None, {})),
        ("settings", lambda a: ("GET", "/settings?emailaddress=" + urllib.parse.quote(a), None, {})),
        ("pacc", lambda a: ("GET", "/.well-known/user-agent-configuration.json", None, {"Host": a.split("@")[1]})),
    ]
    for name, make in endpoints:
        bodies = set()
        for address in unknown:
            answer = request(*make(address))
            check(answer.status == 404, "unknown %s on %s: %d" % (address, name, answer.status))
            for part in address.split("@"):
                check(len(part) < 5 or part.encode() not in answer.body, "unknown-domain answer on %s names %r" % (name, part))
            # The POX error's Time attribute is the clock at answer time (Exchange's format); nothing else varies.
            bodies.add(re.sub(rb'Time="[^"]*"', b'Time=""', answer.body))
        check(len(bodies) == 1, "unknown domains on %s: %d different bodies" % (name, len(bodies)))
    note("unknown domains: %d endpoints x %d domains -> 404, one body per endpoint (POX: apart from Time)"
         % (len(endpoints), len(unknown)))


def check_host_injection():
    path = "/.well-known/user-agent-configuration.json"
    hosts = [b"evil.test", b"evil.test<script>", b"example.com@evil.test", b"evil.test#example.com",
             b"example.com:99999", b"example.com\x00evil.test", b"\"><script>alert(1)</script>",
             b"example.com/../evil.test", b"[::1]:80", b"a" * 8000, b"example.com evil.test", b"%65vil.test"]
    count = 0
    for host in hosts:
        for target in (path.encode(), b"/mail/config-v1.1.xml", b"/autodiscover/autodiscover.xml",
                       b"/mobileconfig", b"/settings"):
            response = raw(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
            count += 1
            # Only a host whose name is a served domain (example.com with an odd port) may get an answer.
            check(response.startswith(b"HTTP/1.1 4") or host == b"example.com:99999" and response.startswith(b"HTTP/1.1 200"),
                  "Host %r on %s: %r" % (host[:40], target, response[:60]))
            body = response.split(b"\r\n\r\n", 1)[-1]
            check(b"evil" not in body and b"<script>" not in body, "Host %r echoed on %s" % (host[:40], target))
    for target in ("/mail/config-v1.1.xml", path):
        answer = request("GET", target, headers={"Host": "example.com", "X-Forwarded-Host": "customer-one.org"})
        check(b"customer-one" not in answer.body and b"Customer One" not in answer.body,
              "X-Forwarded-Host believed from an untrusted peer on %s" % target)
    two = raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: example.com\r\nHost: evil.test\r\nConnection: close\r\n\r\n")
    check(b"evil" not in two.split(b"\r\n\r\n", 1)[-1], "second Host header used")
    note("Host injection: %d hostile Host values x 5 paths -> 4xx (example.com:99999 answers for example.com), never echoed; untrusted X-Forwarded-Host and "
         "a second Host ignored" % len(hosts))


def check_path_traversal():
    paths = ["/../../etc/passwd", "/mail/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
             "/mail/..%2f..%2f..%2fetc%2fpasswd", "//etc/passwd", "/.well-known/../../etc/passwd",
             "/mail/config-v1.1.xml/../../../etc/passwd", "/config.yaml", "/../config.yaml", "/%2e%2e%2fconfig.yaml",
             "/autodiscover/autodiscover.json/v1.0/..%2f..%2fetc%2fpasswd?Protocol=ActiveSync",
             "/\\..\\..\\etc\\passwd", "/mobileconfig/../../../etc/passwd", "/settings/..;/..;/etc/passwd",
             "/mail/config-v1.1.xml%00.txt", "/" + canary_file, "/.well-known/autoconfig/../../" + canary_file]
    for path in paths:
        response = raw(("GET %s HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n" % path).encode())
        status = response[9:12]
        check(status in (b"400", b"404", b"405") or path.startswith("/autodiscover/autodiscover.json"),
              "traversal %s: %r" % (path, response[:40]))
        body = response.split(b"\r\n\r\n", 1)[-1]
        check(b"root:" not in body and secret.encode() not in body and b"trusted_proxies" not in body,
              "traversal %s leaked a file" % path)
    note("path traversal: %d paths -> 4xx (or an address error), no file content" % len(paths))


def check_smuggling():
    """Heads a proxy and we could read two ways get 400 and the connection closes: a request hidden in the
    body after them is never answered."""
    hidden = b"GET /healthz HTTP/1.1\r\nHost: example.com\r\n\r\n"
    heads = [
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 4\r\n\r\n0\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n"
        b"Content-Length: 45\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding : chunked\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.com\r\nContent-Length: +45\r\n\r\n",
        b"POST /autodiscover/autodiscover.xml HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: example.com\rX-Bare-CR: 1\r\n\r\n",
        b"GET /healthz HTTP/2.0\r\nHost: example.com\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: example.com\r\nX-Nul: a\x00b\r\n\r\n",
    ]
    for head in heads:
        response = raw(head + hidden, limit=5.0)
        check(response.startswith(b"HTTP/1.1 400 "), "smuggling %r: got %r" % (head[:60], response[:40]))
        check(response.count(b"HTTP/1.1 ") == 1, "smuggling %r: the hidden request was answered" % head[:60])
    note("request smuggling: %d ambiguous heads (CL+TE both orders, two lengths, gzip+chunked, space before "
         "colon, folded value, +length, chunked on 1.0, bare CR, HTTP/2.0 line, NUL) -> 400 and close, hidden "
         "request never answered" % len(heads))


def check_long_query():
    query = "/mail/config-v1.1.xml?emailaddress=alice%40example.com&pad=" + "a" * 65536
    answer = request("GET", query)
    check(answer.status == 414, "64 KB query over HTTP/1.1: %d" % answer.status)
    big_header = request("GET", "/healthz", headers={"X-Pad": "b" * 65536})
    check(big_header.status in (400, 431), "64 KB header over HTTP/1.1: %d" % big_header.status)
    result = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "--http2-prior-knowledge",
                             "http://127.0.0.1:%d%s" % (port, query)], capture_output=True, text=True)
    check(not result.stdout.startswith("5"), "64 KB query over h2c: %s" % result.stdout)
    note("64 KB query: HTTP/1.1 %d; 64 KB header: HTTP/1.1 %d; 64 KB query over h2c: %s (curl exit %d: "
         "the connection is closed with GOAWAY)" % (answer.status, big_header.status, result.stdout, result.returncode))


def check_slowloris(count=200, duration=30.0):
    """`count` connections dribble a request head one byte a second for `duration` seconds (reopening each
    one the server closes) while a normal client keeps asking; every slow connection must be closed within
    the header timeout (+1 s), and the normal client must get every answer."""
    normal = {"ok": 0, "failed": 0, "worst": 0.0}
    stop_flag = threading.Event()

    def normal_client():
        while not stop_flag.is_set():
            try:
                answer = request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com")
                normal["ok" if answer.status == 200 else "failed"] += 1
                normal["worst"] = max(normal["worst"], answer.seconds)
            except Exception as error:  # noqa: BLE001 - any failure of a normal request counts against the server
                normal["failed"] += 1
                normal.setdefault("first error", repr(error))

    slow = {}  # socket -> (opened, bytes sent)
    lifetimes = []
    head = b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: example.com\r\nX-Slow: " + b"a" * 1000

    def open_slow():
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.setblocking(False)
        slow[sock] = [time.monotonic(), 0]

    thread = threading.Thread(target=normal_client)
    thread.start()
    begun = time.monotonic()
    for _ in range(count):
        open_slow()
    next_tick = time.monotonic()
    while time.monotonic() - begun < duration:
        readable, _, _ = select.select(list(slow), [], [], 0.1)
        for sock in readable:
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                lifetimes.append(time.monotonic() - slow.pop(sock)[0])
                sock.close()
                open_slow()
        if time.monotonic() >= next_tick:
            next_tick += 1.0
            for sock, state in list(slow.items()):
                try:
                    sock.send(head[state[1]:state[1] + 1])
                    state[1] += 1
                except OSError:
                    pass
    stop_flag.set()
    thread.join()
    for sock in slow:
        sock.close()
    longest = max(lifetimes) if lifetimes else 0
    note("slowloris: %d connections for %.0f s: %d closed by the server, longest lived %.2f s (header timeout %d s); "
         "normal client meanwhile %d answers, %d failed, slowest %.1f ms"
         % (count, duration, len(lifetimes), longest, HEADER_TIMEOUT, normal["ok"], normal["failed"],
            normal["worst"] * 1e3))
    check(len(lifetimes) >= count * int(duration // (HEADER_TIMEOUT + 1)), "slowloris: too few connections closed")
    check(longest < HEADER_TIMEOUT + 1.5, "slowloris: a connection lived %.1f s" % longest)
    check(normal["failed"] == 0 and normal["ok"] > 100, "slowloris: normal client %r" % normal)


def check_http2_abuse():
    # Rapid reset (CVE-2023-44487): open and cancel streams as fast as possible.
    connection = h2raw.Connection(port)
    sent = 0
    batch = b"".join(
        h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, stream, h2raw.request_block())
        + h2raw.frame(h2raw.RST_STREAM, 0, stream, (h2raw.CANCEL).to_bytes(4, "big"))
        for stream in range(1, 2001, 2))
    begun = time.monotonic()
    while connection.send(batch) and sent < 20000:
        sent += 1000
        # Stream ids must grow: rebuild the next batch above the last one.
        base = sent * 2 + 1
        batch = b"".join(
            h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, stream, h2raw.request_block())
            + h2raw.frame(h2raw.RST_STREAM, 0, stream, (h2raw.CANCEL).to_bytes(4, "big"))
            for stream in range(base, base + 2000, 2))
    frames = connection.frames(lambda f: f[0] == h2raw.GOAWAY, limit=5)
    goaway = [f for f in frames if f[0] == h2raw.GOAWAY]
    seconds = time.monotonic() - begun
    connection.close()
    check(goaway, "rapid reset: no GOAWAY")
    code = int.from_bytes(goaway[0][3][4:8], "big")
    note("HTTP/2 rapid reset: GOAWAY (error 0x%x) after <= %d HEADERS+RST_STREAM pairs, %.2f s" % (code, sent + 1000, seconds))

    # Stream flood: open 1,000 streams that never finish on one connection (limit: max_concurrent_streams).
    connection = h2raw.Connection(port)
    connection.frames(lambda f: f[0] == h2raw.SETTINGS and not f[1] & 1, limit=2)
    flood = b"".join(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, stream, h2raw.request_block("/autodiscover/autodiscover.xml"))
                     for stream in range(1, 2001, 2))
    connection.send(flood)
    frames = connection.frames(lambda f: f[0] == h2raw.GOAWAY, limit=3)
    refused = [f for f in frames if f[0] == h2raw.RST_STREAM and int.from_bytes(f[3], "big") == h2raw.REFUSED_STREAM]
    goaway = [f for f in frames if f[0] == h2raw.GOAWAY]
    connection.close()
    check(refused or goaway, "stream flood: neither refused streams nor GOAWAY")
    note("HTTP/2 stream flood: 1,000 open streams sent, %d refused (REFUSED_STREAM), GOAWAY %s"
         % (len(refused), "0x%x" % int.from_bytes(goaway[0][3][4:8], "big") if goaway else "none"))

    # CONTINUATION flood: a header block that never ends.
    connection = h2raw.Connection(port)
    connection.send(h2raw.frame(h2raw.HEADERS, 0, 1, h2raw.request_block()))
    continuation = h2raw.frame(h2raw.CONTINUATION, 0, 1, h2raw.literal(14, "x" * 100) * 140)
    pieces = 0
    while pieces < 2000 and connection.send(continuation):
        pieces += 1
    frames = connection.frames(lambda f: f[0] == h2raw.GOAWAY, limit=3)
    goaway = [f for f in frames if f[0] == h2raw.GOAWAY]
    connection.close()
    check(goaway or connection.closed, "CONTINUATION flood: connection neither closed nor sent GOAWAY")
    note("HTTP/2 CONTINUATION flood: connection ended after %d of 2000 frames (GOAWAY %s)"
         % (pieces, "0x%x" % int.from_bytes(goaway[0][3][4:8], "big") if goaway else "none"))

    # h2load (nghttp2-client, installed by scripts/test.sh) with many streams per connection: the limits
    # must not hurt well-behaved clients.
    result = subprocess.run(["timeout", "30", "h2load", "-n", "20000", "-c", "10", "-m", "100",
                             "http://127.0.0.1:%d/mail/config-v1.1.xml?emailaddress=alice%%40example.com" % port],
                            capture_output=True, text=True)
    summary = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored",
                        result.stdout)
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", result.stdout)
    check(summary and status and summary.group(4) == "20000" and status.group(4) == "0",
          "h2load: %s" % result.stdout[-600:])
    note("h2load -c 10 -m 100 (1,000 concurrent streams asked, 100 per connection allowed): "
         "20000 succeeded, 0 5xx")


def check_pipelining_without_reading():
    # 150,000 pipelined requests (14 MB) from a client that reads nothing for two seconds: the server must
    # stop reading once its answers cannot be written (back-pressure), not queue 280 MB of answers, and
    # then answer every request in order once the client reads.
    count = 150000
    before = rss_kib()
    data = AUTOCONFIG_REQUEST * count
    sock, sent = send_without_reading(port, data, 2.0)
    grown = rss_kib() - before
    early = sent
    sock.settimeout(20)
    answers = [0]

    def read_all():
        status = b"HTTP/1.1 200 OK\r\n"
        tail = b""
        while answers[0] < count:
            try:
                chunk = sock.recv(1 << 20)
            except OSError:
                return
            if not chunk:
                return
            window = tail + chunk
            answers[0] += window.count(status)
            tail = window[-(len(status) - 1):]

    reader = threading.Thread(target=read_all)
    reader.start()
    sock.sendall(data[sent:])
    reader.join(60)
    sock.close()
    answers = answers[0]
    check(answers == count, "pipelining without reading: %d of %d answers" % (answers, count))
    check(grown < 32 * 1024, "pipelining without reading: RSS grew by %d KiB while the client did not read" % grown)
    note("pipelining without reading: %d requests; %.1f of %.1f MB taken in 2 s (socket buffers included); RSS "
         "grew by %d KiB meanwhile; then all %d answers" % (count, early / 1e6, len(data) / 1e6, grown, answers))


def check_http2_requests_by_frames():
    # Requests as a client library may frame them, each on its own connection, each followed by a plain
    # GET on stream 3 that must be answered too: a POX body in 40 DATA frames; a body followed by
    # trailers; a header block continued in a CONTINUATION frame; a request without :path.
    body = pox("alice@example.com")
    post = b"\x83\x86" + h2raw.literal(4, POX_PATH) + h2raw.literal(1, "autodiscover.example.com")
    trailer = b"\x00\x07x-check\x011"  # literal field, new name, without indexing
    pieces = [body[i:i + max(1, len(body) // 40)] for i in range(0, len(body), max(1, len(body) // 40))]
    get = h2raw.request_block("/healthz")
    cases = {
        "body in %d DATA frames" % len(pieces): h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, 1, post)
        + b"".join(h2raw.frame(h2raw.DATA, 0, 1, piece) for piece in pieces) + h2raw.frame(h2raw.DATA, h2raw.END_STREAM, 1),
        "body then trailers": h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, 1, post) + h2raw.frame(h2raw.DATA, 0, 1, body)
        + h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, 1, trailer),
        "header block in HEADERS + CONTINUATION": h2raw.frame(h2raw.HEADERS, h2raw.END_STREAM, 1, get[:5])
        + h2raw.frame(h2raw.CONTINUATION, h2raw.END_HEADERS, 1, get[5:]),
        "no :path": h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, 1, b"\x82\x86" + h2raw.literal(1, "x")),
    }
    for name, frames in cases.items():
        connection = h2raw.Connection(port)
        connection.send(frames + h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, 3, get))
        seen = connection.frames(lambda f: f[2] == 3 and f[0] == h2raw.DATA and f[1] & h2raw.END_STREAM, limit=5)
        connection.close()
        first = [f for f in seen if f[2] == 1 and f[0] in (h2raw.HEADERS, h2raw.RST_STREAM)]
        answered = b"".join(f[3] for f in seen if f[2] == 1 and f[0] == h2raw.DATA)
        third = b"".join(f[3] for f in seen if f[2] == 3 and f[0] == h2raw.DATA)
        check(third == b"ok\n", "HTTP/2 %s: the next stream got %r" % (name, third))
        if name == "no :path":
            # libnghttp2 resets a stream without :path (PROTOCOL_ERROR) before it reaches the handler.
            check(first and first[0][0] == h2raw.RST_STREAM, "HTTP/2 no :path: %r" % first)
        elif POX_PATH.encode() in frames:
            # :status 200 is static table entry 8, sent as the one byte 0x88.
            check(first and first[0][3][:1] == b"\x88" and b"<Server>imap4.example.com</Server>" in answered,
                  "HTTP/2 %s: %r %r" % (name, first, answered[:200]))
        else:
            check(first and first[0][3][:1] == b"\x88" and answered == b"ok\n", "HTTP/2 %s: %r" % (name, answered))
    note("HTTP/2 by frames: %s -> answered (no :path: RST_STREAM), the next stream each time too" % ", ".join(cases))


def check_http2_frame_soup():
    # Frames of every type with random flags, stream ids, lengths and payloads, some well-formed requests
    # among them, on 300 connections (seeded, so every run sends the same bytes): the process must live
    # and answer HTTP/2 afterwards (the end of the run compares every endpoint's answer too).
    import random
    rng = random.Random(1)
    streams = [0, 1, 2, 3, 5, 7, 0x7FFFFFFF]
    sent = 0
    for _ in range(300):
        connection = h2raw.Connection(port, timeout=2)
        data = b""
        for _ in range(rng.randint(1, 30)):
            kind = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, rng.randint(11, 255)])
            flags = rng.choice([0, 1, 4, 5, 8, 0x20, 0x25, rng.randint(0, 255)])
            stream = rng.choice(streams + [rng.randint(0, 0x7FFFFFFF)])
            shape = rng.random()
            if shape < 0.3:
                payload = h2raw.request_block(rng.choice(["/healthz", "/mail/config-v1.1.xml", "/"]))
                kind, flags = rng.choice([(1, 5), (1, 4), (1, 1), (9, 4)])
            elif shape < 0.4:
                payload = bytes(rng.choice([0, 4, 5, 6, 8]))  # lengths that frame types check exactly
            else:
                payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 3, 8, 9, 64])))
            data += h2raw.frame(kind, flags, stream, payload)
            sent += 1
        connection.send(data)
        connection.frames(lambda f: f[0] == h2raw.GOAWAY, limit=0.05)
        connection.close()
    check(process.poll() is None, "HTTP/2 frame soup: the process died")
    result = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "--http2-prior-knowledge",
                             "http://127.0.0.1:%d/mail/config-v1.1.xml?emailaddress=alice%%40example.com" % port],
                            capture_output=True, text=True)
    check(result.stdout == "200", "HTTP/2 after the frame soup: %s" % result.stdout)
    note("HTTP/2 frame soup: %d random frames on 300 connections, process alive, h2c answers 200 after" % sent)


ODD_PATH = b'/mail/"quoted"\\back\xff\xfeslash'
odd_path_sent = []


def check_log_escaping():
    """A request target may hold `"`, `\` and bytes that are not UTF-8 (obs-text): its access-log line must
    still be one JSON object (checked on the server's standard output once it has stopped)."""
    response = raw(b"GET " + ODD_PATH + b"?emailaddress=alice%40example.com HTTP/1.1\r\nHost: example.com\r\n"
                   b"Connection: close\r\n\r\n")
    check(response[9:12] == b"404", "odd path: %r" % response[:40])
    odd_path_sent.append(True)


def verify_log_lines():
    """Every line the server wrote is one JSON object; the odd path's line holds it as sent (bytes that are
    not UTF-8 as U+FFFD), without its query; no line holds an address."""
    drainer.join(10)
    requests = []
    dropped = 0
    for line in log_lines:
        try:
            entry = json.loads(line)
        except ValueError:
            check(False, "a log line is not JSON: %r" % line[:200])
        check(isinstance(entry, dict) and "msg" in entry, "a log line is not a log entry: %r" % line[:200])
        check("alice@example.com" not in line and "alice%40example.com" not in line,
              "a log line holds an address: %r" % line[:300])
        if entry["msg"] == "request":
            requests.append(entry)
        elif entry["msg"] == DROPPED_NOTICE:
            dropped += int(entry["dropped"])
    if odd_path_sent:
        expected = ODD_PATH.decode("utf-8", errors="replace")
        check(any(entry.get("path") == expected for entry in requests), "no log line for the odd path %r" % expected)
    note("log: %d lines, each one JSON object; %d request lines, none with an address; %d reported dropped "
         "(the reader fell 4 MiB behind)" % (len(log_lines), len(requests), dropped))


# ----------------------------------------------------------------------------------------------- main

steps = [check_baseline, check_xxe, check_billion_laughs, check_body_limits, check_malformed_xml, check_addresses,
         check_unknown_domains, check_host_injection, check_path_traversal, check_smuggling, check_long_query, check_http2_abuse,
         check_pipelining_without_reading, check_http2_requests_by_frames, check_http2_frame_soup,
         check_slowloris, check_log_escaping]
try:
    if os.environ.get("HOSTILE_STEPS"):  # e.g. HOSTILE_STEPS=check_slowloris to run some checks only
        names = os.environ["HOSTILE_STEPS"].split(",")
        unknown = [name for name in names if not name.startswith("check_") or name not in globals()]
        check(not unknown, "HOSTILE_STEPS names no check %s (the server is stopped all the same)" % unknown)
        steps = [check_baseline] + [globals()[name] for name in names]
    for step in steps:
        step()
        alive()
        if os.environ.get("HOSTILE_DEBUG"):
            note("open descriptors: %d" % len(os.listdir("/proc/%d/fd" % process.pid)))
    after = endpoint_answers()
    for name, body in baseline.items():
        check(after[name] == body, "after the attacks, %s answers differently" % name)
    fives = [s for s in statuses if s >= 500]
    check(not fives, "5xx answers: %r" % fives)
    metrics = request("GET", "/metrics").body.decode()
    check(not re.search(r'status="5\d\d"', metrics), "/metrics counts 5xx answers")
    note("afterwards: all %d endpoints give the same bytes as before; %d HTTP answers checked, none 5xx; "
         "RSS %d KiB" % (len(after), len(statuses), rss_kib()))
finally:
    code = stop(process)
    shutil.rmtree(work, ignore_errors=True)
check(code == 0, "server exit code %s after SIGTERM" % code)
verify_log_lines()
print("hostile input: all checks passed")
