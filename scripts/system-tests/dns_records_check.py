"""`autodiscover dns records` and `dns check` against Knot DNS on loopback (issue: DNS, operator side).

1. The zone `dns records` prints for config.yaml passes named-checkzone, is served by knotd, and
   `dns check` finds every owner PASS (exit 0); its PACC digest is the SHA-256 of what curl gets.
2. A drifted copy (a changed port, a removed SRV, a wrong target, a stale PACC digest, a CNAME at an SRV
   owner, an extra SRV value): exit 1, each drift named with expected and found.
3. knotd stopped: exit 2 within --timeout plus a second, one line per domain.
4. `gen_domains.py 1000`: the records pass named-checkzone, and `dns check` of all of them against knotd
   passes (its time and questions a second are printed).
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from knot import Knot, split_records, zone_text  # noqa: E402
from lib import BINARY, check, start, stop  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.path.join(REPO, "config.yaml")
GEN_DOMAINS = os.path.join(REPO, "..", "shared", "bench", "gen_domains.py")


def note(message):
    print("  " + message, flush=True)


def run(*args, timeout=120):
    started = time.monotonic()
    result = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started


def checkzone(origin, path):
    result = subprocess.run(["named-checkzone", "-q", "-k", "fail", "-n", "fail", origin, path], capture_output=True, text=True)
    check(result.returncode == 0, "named-checkzone %s %s: %s%s" % (origin, path, result.stdout, result.stderr))


def owners(report):
    """dns check --format json output as {(name, type): owner object}."""
    found = {}
    for domain in json.loads(report)["domains"]:
        for owner in domain["owners"]:
            found[(owner["name"], owner["type"])] = owner
    return found


work = tempfile.mkdtemp(prefix="autodiscover-dns-")
knot = None
server = None
try:
    # ------------------------------------------------------------------ 1. config.yaml's zone, served
    records, _ = run("dns", "records", "--config", CONFIG)
    check(records.returncode == 0, "dns records failed: " + records.stderr)
    zones = split_records(records.stdout)
    check(set(zones) == {"customer-one.org", "customer-two.org", "example.com", "example.net", "old-brand.com"},
          "unexpected domains in dns records: %s" % sorted(zones))
    for domain, body in zones.items():
        path = os.path.join(work, domain + ".check.zone")
        with open(path, "w") as handle:
            handle.write(zone_text(domain, body))
        checkzone(domain, path)
    note("dns records for config.yaml: %d domains, %d records, each zone passes named-checkzone"
         % (len(zones), sum(body.count("\n") for body in zones.values())))

    knot = Knot(os.path.join(work, "knot"), {d: zone_text(d, b) for d, b in zones.items()}).start()
    nameserver = "127.0.0.1:%d" % knot.port

    # The PACC digest is the SHA-256 of the bytes the running server sends.
    server, port = start(CONFIG)
    for domain in zones:
        body = subprocess.run(
            ["curl", "-sS", "--fail", "-H", "Host: " + domain, "http://127.0.0.1:%d/.well-known/user-agent-configuration.json" % port],
            capture_output=True, timeout=10).stdout
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        check(("d=%s\"" % digest) in zones[domain], "%s: the PACC digest of the served document (%s) is not in dns records" % (domain, digest))
    stop(server)
    server = None
    note("PACC digests equal the SHA-256 of what curl gets for all %d domains" % len(zones))

    result, seconds = run("dns", "check", "--config", CONFIG, "--nameserver", nameserver, "--format", "json")
    check(result.returncode == 0, "dns check against the served zone: exit %d\n%s%s" % (result.returncode, result.stdout, result.stderr))
    statuses = {owner["status"] for owner in owners(result.stdout).values()}
    check(statuses == {"PASS"}, "not every owner PASS: %s" % statuses)
    text, _ = run("dns", "check", "--config", CONFIG, "--nameserver", nameserver)
    check(text.returncode == 0 and "0 MISSING, 0 DRIFT, 0 ERROR" in text.stdout, "text report: " + text.stdout[-400:])
    note("dns check, zone as printed: exit 0, %d owners PASS in %.2f s (%s)"
         % (len(owners(result.stdout)), seconds, text.stdout.strip().splitlines()[-1]))

    # ------------------------------------------------------------------ 2. drift
    body = zones["example.com"]
    replacements = [
        ("_submission._tcp.example.com.\t3600\tIN\tSRV\t1 1 587 msa.example.com.", "_submission._tcp.example.com.\t3600\tIN\tSRV\t1 1 2587 msa.example.com."),
        ("_pop3s._tcp.example.com.\t3600\tIN\tSRV\t0 1 995 pop3.example.com.\n", ""),
        ("0 1 993 imap4.example.com.", "0 1 993 imap9.example.com."),
        ("_caldav._tcp.example.com.\t3600\tIN\tSRV\t0 0 0 .", "_caldav._tcp.example.com.\t3600\tIN\tCNAME\tdav.example.com."),
        ("_xmpp-client._tcp.example.com.\t3600\tIN\tSRV\t0 1 5222 chat.example.com.",
         "_xmpp-client._tcp.example.com.\t3600\tIN\tSRV\t0 1 5222 chat.example.com.\n_xmpp-client._tcp.example.com.\t3600\tIN\tSRV\t5 1 5222 chat2.example.com."),
    ]
    for old, new in replacements:
        check(old in body, "the zone has no line %r to change" % old)
        body = body.replace(old, new)
    stale = [line for line in body.splitlines() if line.startswith("_ua-auto-config.")][0]
    body = body.replace(stale, stale.split("d=")[0] + 'd=' + base64.b64encode(hashlib.sha256(b"old document").digest()).decode() + '"')
    knot.reload("example.com", zone_text("example.com", body, serial=2))
    result, _ = run("dns", "check", "--config", CONFIG, "--nameserver", nameserver, "--format", "json", "--domain", "example.com")
    check(result.returncode == 1, "dns check against the drifted zone: exit %d, expected 1\n%s" % (result.returncode, result.stderr))
    found = owners(result.stdout)
    expect = {
        ("_submission._tcp.example.com.", "SRV"): ("DRIFT", "1 1 587 msa.example.com.", "1 1 2587 msa.example.com."),
        ("_pop3s._tcp.example.com.", "SRV"): ("MISSING", "0 1 995 pop3.example.com.", None),
        ("_imaps._tcp.example.com.", "SRV"): ("DRIFT", "0 1 993 imap4.example.com.", "0 1 993 imap9.example.com."),
        ("_caldav._tcp.example.com.", "SRV"): ("DRIFT", "0 0 0 .", "CNAME dav.example.com."),
        ("_ua-auto-config.example.com.", "TXT"): ("DRIFT", "\"v=UAAC1; a=sha256; d=", "v=UAAC1; a=sha256; d=" + base64.b64encode(hashlib.sha256(b"old document").digest()).decode()),
        ("_xmpp-client._tcp.example.com.", "SRV"): ("PASS", "0 1 5222 chat.example.com.", "5 1 5222 chat2.example.com."),
    }
    for key, (status, expected, found_value) in expect.items():
        owner = found.get(key)
        check(owner is not None, "no verdict for %s" % (key,))
        check(owner["status"] == status, "%s: %s, expected %s (%s)" % (key, owner["status"], status, owner))
        check(any(expected in value for value in owner["expected"]), "%s: expected values %s lack %s" % (key, owner["expected"], expected))
        if found_value:
            check(any(found_value in value for value in owner["found"]), "%s: found %s lacks %s" % (key, owner["found"], found_value))
    others = [key for key, owner in found.items() if key not in expect and owner["status"] != "PASS"]
    check(not others, "owners not changed but not PASS: %s" % others)
    text, _ = run("dns", "check", "--config", CONFIG, "--nameserver", nameserver, "--domain", "example.com")
    for key, (status, _, _) in expect.items():
        check(any(line.split()[:2] == [status, key[0]] for line in text.stdout.splitlines()), "text report lacks %s %s" % (status, key[0]))
    note("drifted zone: exit 1; DRIFT (port, target, PACC digest, CNAME at an SRV owner), MISSING (removed SRV), "
         "PASS with the extra SRV value reported")
    for line in text.stdout.splitlines():
        if line.split()[0] in ("DRIFT", "MISSING") or "also holds" in line:
            note("  " + line.strip())

    # ------------------------------------------------------------------ 3. server stopped
    knot.stop()
    result, seconds = run("dns", "check", "--config", CONFIG, "--nameserver", nameserver, "--timeout", "2s")
    check(result.returncode == 2, "dns check with the server stopped: exit %d, expected 2" % result.returncode)
    check(seconds < 3.0, "dns check with the server stopped took %.2f s (timeout 2 s)" % seconds)
    error_lines = [line for line in result.stdout.splitlines() if line.strip().startswith("ERROR")]
    check(len(error_lines) == len(zones), "expected one ERROR line per domain, found:\n" + result.stdout)
    note("server stopped: exit 2 after %.2f s; %s" % (seconds, error_lines[0].strip()))

    # A silent nameserver (a UDP port that never answers): bounded by the timeout too.
    import socket
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    result, seconds = run("dns", "check", "--config", CONFIG, "--nameserver", "127.0.0.1:%d" % silent.getsockname()[1], "--timeout", "1s")
    silent.close()
    check(result.returncode == 2, "dns check against a silent server: exit %d, expected 2" % result.returncode)
    check(seconds < 3.0, "dns check against a silent server took %.2f s (timeout 1 s)" % seconds)
    note("silent server: exit 2 after %.2f s (timeout 1 s)" % seconds)

    # ------------------------------------------------------------------ 4. 1,000 domains
    generated = os.path.join(work, "domains-1000.yaml")
    with open(generated, "w") as handle:
        subprocess.run([sys.executable, GEN_DOMAINS, "1000"], stdout=handle, check=True)
    records, seconds = run("dns", "records", "--config", generated, "--service-host", "autodiscover.example.net")
    check(records.returncode == 0, "dns records for 1,000 domains failed: " + records.stderr)
    big = split_records(records.stdout)
    check(len(big) == 1000, "expected 1,000 domains, found %d" % len(big))
    root = os.path.join(work, "all.zone")
    with open(root, "w") as handle:
        handle.write(zone_text(".", records.stdout))
    checkzone(".", root)
    note("dns records for gen_domains.py 1000: %.2f s, %d records; passes named-checkzone" % (seconds, records.stdout.count("\tIN\t")))
    knot = Knot(os.path.join(work, "knot-1000"), {d: zone_text(d, b) for d, b in big.items()}).start()
    result, seconds = run("dns", "check", "--config", generated, "--service-host", "autodiscover.example.net",
                          "--nameserver", "127.0.0.1:%d" % knot.port)
    check(result.returncode == 0, "dns check of 1,000 domains: exit %d\n%s" % (result.returncode, result.stdout[-2000:]))
    note("dns check of 1,000 domains against knotd: %.2f s; %s" % (seconds, result.stdout.strip().splitlines()[-1]))
    knot.stop()
    knot = None
    print("dns records/check: all checks passed")
finally:
    if server:
        stop(server)
    if knot:
        knot.stop()
    shutil.rmtree(work, ignore_errors=True)
