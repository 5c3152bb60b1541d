"""`source: dns` domains answered from their live SRV records, against Knot DNS on loopback.

- every endpoint answers from the zone (Thunderbird, POX, v2 JSON, PACC, Apple profile), with the YAML's
  username and auth on top; a `.` target drops that service from every format; a name that does not
  exist gets the same 404 as an unknown domain;
- the zone changes (a host and a port, serial bumped, zone reloaded): the answer follows within the
  clamped TTL (max_ttl 2 s) while a client loop sees no failed request;
- knotd stopped: answers continue unchanged (stale), /metrics counts the failures and the stale answers;
  started again: lookups succeed again and the domains are fresh.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from knot import Knot, zone_text  # noqa: E402
from lib import check, start, stop  # noqa: E402


def note(message):
    print("  " + message, flush=True)


ZONE = """_imaps._tcp.one\tSRV\t0 1 993 imap.one.dnstest.example.
_imap._tcp.one\tSRV\t10 1 143 imap.one.dnstest.example.
_pop3s._tcp.one\tSRV\t0 1 995 pop.one.dnstest.example.
_submissions._tcp.one\tSRV\t0 1 465 smtp.one.dnstest.example.
_submission._tcp.one\tSRV\t5 1 587 smtp.one.dnstest.example.
_caldavs._tcp.one\tSRV\t0 1 443 dav.one.dnstest.example.
_caldavs._tcp.one\tTXT\t"path=/cal/"
_carddavs._tcp.one\tSRV\t0 1 443 dav.one.dnstest.example.
_carddavs._tcp.one\tTXT\t"path=/card/"
_xmpp-client._tcp.one\tSRV\t0 1 5222 chat.one.dnstest.example.
_autodiscover._tcp.one\tSRV\t0 1 443 adsc.one.dnstest.example.
_airsync._tcp.one\tSRV\t0 1 443 eas.one.dnstest.example.
_imaps._tcp.dot\tSRV\t0 1 993 imap.dot.dnstest.example.
_pop3s._tcp.dot\tSRV\t0 0 0 .
_pop3._tcp.dot\tSRV\t0 0 0 .
_submission._tcp.dot\tSRV\t0 1 587 smtp.dot.dnstest.example.
_imaps._tcp.acme.tenants\tSRV\t0 1 993 imap.acme.example.
_submissions._tcp.acme.tenants\tSRV\t0 1 465 smtp.acme.example.
"""

work = tempfile.mkdtemp(prefix="autodiscover-dns-source-")
knot = Knot(os.path.join(work, "knot"), {"dnstest.example": zone_text("dnstest.example", ZONE)})
knot.start()
config_path = os.path.join(work, "config.yaml")
with open(config_path, "w") as handle:
    handle.write("""server:
  dns: { nameservers: ["127.0.0.1:%d"], timeout: 500ms, min_ttl: 1s, max_ttl: 2s }
domains:
  one.dnstest.example:
    source: dns
    display_name: DNS One
    imap: { username: "%%EMAILLOCALPART%%", auth: password-encrypted }
  dot.dnstest.example: { source: dns }
  nothere.dnstest.example: { source: dns }
  "*.tenants.dnstest.example": { source: dns, display_name: Tenant Mail }
  yaml.example: { imap: imap.yaml.example }
""" % knot.port)

server = None
failures = []
try:
    server, port = start(config_path)

    def get(path, host="example.invalid", method="GET", body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), data

    deadline = time.monotonic() + 10
    while get("/readyz")[0] != 200:
        check(time.monotonic() < deadline, "/readyz not 200 within 10 s")
        time.sleep(0.02)
    note("/readyz 200 after the first round of lookups")

    def autoconfig(address):
        return get("/mail/config-v1.1.xml?emailaddress=" + address.replace("@", "%40"))

    status, _, body = autoconfig("alice@one.dnstest.example")
    text = body.decode()
    check(status == 200, "autoconfig for a source: dns domain: %d %s" % (status, text))
    servers = re.findall(r'<incomingServer type="(\w+)">\s*<hostname>([^<]+)</hostname>\s*<port>(\d+)</port>\s*<socketType>(\w+)</socketType>', text)
    check(servers[:3] == [("imap", "imap.one.dnstest.example", "993", "SSL"), ("imap", "imap.one.dnstest.example", "143", "STARTTLS"),
                          ("pop3", "pop.one.dnstest.example", "995", "SSL")], "incoming servers in RFC 2782 / 8314 order: %s" % servers)
    check("<username>%EMAILLOCALPART%</username>" in text and "password-encrypted" in text, "YAML username and auth on top: " + text)
    check("<displayName>DNS One</displayName>" in text, "YAML display name")
    outgoing = re.findall(r'<outgoingServer type="smtp">\s*<hostname>([^<]+)</hostname>\s*<port>(\d+)</port>', text)
    check(outgoing == [("smtp.one.dnstest.example", "465"), ("smtp.one.dnstest.example", "587")], "outgoing: %s" % outgoing)

    pox = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">'
           '<Request><EMailAddress>alice@one.dnstest.example</EMailAddress><AcceptableResponseSchema>'
           'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>')
    status, _, body = get("/autodiscover/autodiscover.xml", method="POST", body=pox, headers={"Content-Type": "text/xml"})
    check(status == 200 and b"<Server>imap.one.dnstest.example</Server>" in body and b"<Server>smtp.one.dnstest.example</Server>" in body,
          "POX from the zone: %d %s" % (status, body[:600]))
    status, _, body = get("/autodiscover/autodiscover.json?Email=alice@one.dnstest.example&Protocol=AutodiscoverV1")
    check(status == 200 and json.loads(body)["Url"] == "https://adsc.one.dnstest.example/autodiscover/autodiscover.xml",
          "v2 JSON names the _autodiscover._tcp host: %s" % body)
    status, _, body = get("/autodiscover/autodiscover.json?Email=alice@one.dnstest.example&Protocol=ActiveSync")
    check(status == 200 and json.loads(body)["Url"] == "https://eas.one.dnstest.example/Microsoft-Server-ActiveSync",
          "v2 JSON ActiveSync from _airsync._tcp: %s" % body)
    status, _, body = get("/.well-known/user-agent-configuration.json", host="one.dnstest.example")
    pacc = json.loads(body)
    check(status == 200 and pacc["protocols"]["imap"]["host"] == "imap.one.dnstest.example"
          and pacc["protocols"]["caldav"]["url"] == "https://dav.one.dnstest.example/cal/", "PACC from the zone: %s" % body)
    status, _, body = get("/mobileconfig?emailaddress=alice%40one.dnstest.example")
    check(status == 200 and b"<string>imap.one.dnstest.example</string>" in body and b"<string>smtp.one.dnstest.example</string>" in body,
          "Apple profile from the zone: %d %s" % (status, body[:300]))
    note("one.dnstest.example from the zone in Thunderbird, POX, v2 JSON (AutodiscoverV1, ActiveSync), PACC and the Apple profile")

    status, _, body = autoconfig("bob@dot.dnstest.example")
    check(status == 200 and b"pop3" not in body and b"imap.dot.dnstest.example" in body, "a . target drops POP3: %s" % body)
    status, _, body = get("/.well-known/user-agent-configuration.json", host="dot.dnstest.example")
    check(status == 200 and "pop3" not in json.loads(body)["protocols"], "PACC without POP3: %s" % body)
    status, _, body = get("/mobileconfig?emailaddress=bob%40dot.dnstest.example")
    check(status == 200 and b"POP" not in body, "profile without POP3")
    note("dot.dnstest.example: the . target drops POP3 from autoconfig, PACC and the profile")

    missing = autoconfig("carol@nothere.dnstest.example")
    unknown = autoconfig("carol@unknown.example")
    check(missing[0] == 404 and missing[2] == unknown[2], "a name that does not exist: %d, same body as unknown: %s" % (missing[0], missing[2] == unknown[2]))
    note("nothere.dnstest.example (NXDOMAIN): 404, the same body as an unknown domain")

    # A name under a source: dns wildcard: 503 with Retry-After at first (its lookup starts), then the zone's answer.
    status, headers, body = autoconfig("dave@acme.tenants.dnstest.example")
    check(status == 503 and headers.get("Retry-After") == "5" and b"<clientConfig" in body,
          "first request under a source: dns wildcard: %d %s %s" % (status, headers, body))
    status, headers, body = get("/autodiscover/autodiscover.json?Email=dave@ghost.tenants.dnstest.example&Protocol=AutodiscoverV1")
    check(status == 503 and headers.get("Retry-After") == "5" and json.loads(body)["ErrorCode"] == "ServiceUnavailable",
          "v2 JSON's 503: %d %s" % (status, body))
    deadline = time.monotonic() + 5
    while True:
        status, _, body = autoconfig("dave@acme.tenants.dnstest.example")
        if status == 200:
            break
        check(time.monotonic() < deadline, "the wildcard's name was not looked up within 5 s: %d" % status)
        time.sleep(0.02)
    check(b"<hostname>imap.acme.example</hostname>" in body and b"Tenant Mail" in body, "wildcard name from the zone: %s" % body)
    deadline = time.monotonic() + 5
    while autoconfig("dave@ghost.tenants.dnstest.example")[0] != 404:
        check(time.monotonic() < deadline, "a name under the wildcard with no records did not turn 404 within 5 s")
        time.sleep(0.02)
    note("*.tenants.dnstest.example (source: dns): a new name answers 503 with Retry-After (in each format), "
         "then from its records; one without records 404")

    # ------------------------------------------------------------------ the zone changes under a client loop
    statuses = {}
    seen = []
    running = threading.Event()
    running.set()

    def client_loop():
        while running.is_set():
            try:
                status, _, body = autoconfig("alice@one.dnstest.example")
            except Exception as error:  # noqa: BLE001
                failures.append(repr(error))
                continue
            statuses[status] = statuses.get(status, 0) + 1
            seen.append((time.monotonic(), body))

    thread = threading.Thread(target=client_loop)
    thread.start()
    changed_zone = ZONE.replace("0 1 993 imap.one.dnstest.example.", "0 1 1993 imap2.one.dnstest.example.")
    changed_at = time.monotonic()
    knot.reload("dnstest.example", zone_text("dnstest.example", changed_zone, serial=2))
    followed = None
    deadline = changed_at + 6
    while time.monotonic() < deadline and followed is None:
        for when, body in list(seen):
            if when > changed_at and b"imap2.one.dnstest.example" in body and b"<port>1993</port>" in body:
                followed = when - changed_at
                break
        time.sleep(0.05)
    check(followed is not None, "the answer did not follow the zone within 6 s")
    check(followed <= 3.5, "the answer followed after %.2f s (max_ttl 2 s)" % followed)
    # ------------------------------------------------------------------ knotd stopped: stale
    knot.stop()
    stopped_at = time.monotonic()

    def metric(text, name, labels=""):
        match = re.search(r"^%s%s (\d+)" % (re.escape(name), re.escape(labels)), text, re.M)
        return int(match.group(1)) if match else 0

    deadline = stopped_at + 8
    while True:
        metrics = get("/metrics")[2].decode()
        failed = sum(metric(metrics, "autodiscover_dns_lookups_total", '{result="%s"}' % r) for r in ("error", "timeout"))
        if metric(metrics, "autodiscover_dns_domains", '{state="stale"}') >= 3 and failed > 0 and metric(metrics, "autodiscover_dns_answers_stale_total") > 0:
            break
        check(time.monotonic() < deadline, "no stale state within 8 s of stopping knotd:\n" + "\n".join(l for l in metrics.splitlines() if "dns" in l))
        time.sleep(0.05)
    status, _, body = autoconfig("alice@one.dnstest.example")
    check(status == 200 and b"imap2.one.dnstest.example" in body, "stale answer unchanged: %d" % status)
    stale_metrics = [line for line in metrics.splitlines() if line.startswith("autodiscover_dns") and not line.endswith(" 0")]
    # ------------------------------------------------------------------ started again
    knot.start()
    deadline = time.monotonic() + 8
    while True:
        metrics = get("/metrics")[2].decode()
        if metric(metrics, "autodiscover_dns_domains", '{state="stale"}') == 0 and metric(metrics, "autodiscover_dns_domains", '{state="fresh"}') == 3:
            break
        check(time.monotonic() < deadline, "lookups did not succeed again within 8 s of restarting knotd")
        time.sleep(0.05)
    running.clear()
    thread.join()
    check(not failures, "client loop failures: %s" % failures[:3])
    check(set(statuses) == {200}, "statuses under the client loop: %s" % statuses)
    note("zone changed under a client loop: the answer followed after %.2f s (min_ttl 1 s, max_ttl 2 s); %d requests, all 200"
         % (followed, sum(statuses.values())))
    note("knotd stopped: answers unchanged (stale); " + ", ".join(stale_metrics))
    note("knotd started again: all three domains fresh")
    print("source: dns: all checks passed")
finally:
    if server:
        stop(server)
    knot.stop()
    shutil.rmtree(work, ignore_errors=True)
