"""Signing certificate rotation while serving (issue: signed Apple profiles).

The signing certificate and key are replaced on disk during a client loop: answers switch to the new
signer within 2 s, no request fails, and every answer verifies (openssl cms -verify against the test CA)
with one of the two signers. Then a broken certificate (expired) is put in place: the running signer
stays, and the log says why.
"""
import concurrent.futures
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, start, stop  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def note(message):
    print("  " + message, flush=True)


work = tempfile.mkdtemp(prefix="autodiscover-signing-")
signers = os.path.join(work, "signers")
subprocess.run([os.path.join(REPO, "scripts", "make-test-signers.sh"), signers], check=True)


def fingerprint(cert):
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"], capture_output=True, text=True, check=True)
    return out.stdout.strip().split("=", 1)[1]


def install(name):
    """Puts signer `name` in place as signer.crt/signer.key (each file replaced by a rename)."""
    for ext in ("crt", "key"):
        shutil.copy(os.path.join(signers, "%s.%s" % (name, ext)), os.path.join(work, "new." + ext))
    os.rename(os.path.join(work, "new.crt"), os.path.join(work, "signer.crt"))
    os.rename(os.path.join(work, "new.key"), os.path.join(work, "signer.key"))


def signer_of(body, index):
    """The fingerprint of the certificate that signed `body`, if it verifies against the test CA."""
    path = os.path.join(work, "answer-%d.der" % index)
    with open(path, "wb") as handle:
        handle.write(body)
    signer = path + ".signer.pem"
    result = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", path, "-CAfile", os.path.join(signers, "ca.crt"),
                             "-purpose", "any", "-signer", signer, "-out", "/dev/null"], capture_output=True)
    return fingerprint(signer) if result.returncode == 0 else None


first, second = fingerprint(os.path.join(signers, "rsa.crt")), fingerprint(os.path.join(signers, "rsa2.crt"))
install("rsa")
shutil.copy(os.path.join(signers, "int.crt"), os.path.join(work, "int.crt"))
config = os.path.join(work, "config.yaml")
with open(config, "w") as handle:
    handle.write("signing: { certificate: signer.crt, key: signer.key, chain: int.crt }\n"
                 "domains:\n  example.com: { imap: imap.example.com, smtp: smtp.example.com }\n")
server, port = start(config, ["--no-access-log"])
log = []


def read_log():
    for line in server.stdout:
        log.append(line)


threading.Thread(target=read_log, daemon=True).start()


try:
    answers = []  # (time, status, body)
    running = threading.Event()
    running.set()
    errors = []

    def client_loop():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        count = 0
        while running.is_set():
            count += 1
            try:
                connection.request("GET", "/mobileconfig?emailaddress=user%d%%40example.com" % count, headers={"Host": "example.com"})
                response = connection.getresponse()
                answers.append((time.monotonic(), response.status, response.read()))
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            time.sleep(0.005)  # a client loop, not a load test: a few hundred answers to verify

    thread = threading.Thread(target=client_loop)
    thread.start()
    time.sleep(0.5)
    rotated_at = time.monotonic()
    install("rsa2")
    # Wait for an answer signed by the new certificate.
    switched = None
    verified = {}
    deadline = rotated_at + 6
    while switched is None and time.monotonic() < deadline:
        for index, (when, status, body) in enumerate(list(answers)):
            if when > rotated_at and index not in verified:
                verified[index] = signer_of(body, index)
                if verified[index] == second:
                    switched = when - rotated_at
                    break
        time.sleep(0.05)
    time.sleep(0.3)
    running.clear()
    thread.join()
    check(switched is not None, "no answer signed by the new certificate within 6 s")
    check(switched <= 2.0, "answers switched to the new signer after %.2f s (more than 2 s)" % switched)
    check(not errors, "client errors: %s" % errors[:3])
    check(all(status == 200 for _, status, _ in answers), "statuses: %s" % sorted({s for _, s, _ in answers}))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        signers_seen = list(pool.map(lambda item: verified.get(item[0]) or signer_of(item[1][2], item[0]), enumerate(answers)))
    check(all(s in (first, second) for s in signers_seen), "answers that verify with neither signer: %d"
          % sum(1 for s in signers_seen if s not in (first, second)))
    before = sum(1 for s in signers_seen if s == first)
    note("certificate and key replaced during a client loop: %d answers, all 200, each verifies (%d by the old signer, %d by the new); "
         "new signer after %.2f s" % (len(answers), before, len(answers) - before, switched))

    # A broken new certificate: the old signer stays live, and the log says why.
    install("expired")
    deadline = time.monotonic() + 5
    while True:
        if any("Reload rejected" in line for line in log):
            break
        check(time.monotonic() < deadline, "no rejected reload logged within 5 s of installing an expired certificate")
        time.sleep(0.05)
    problem = [line for line in log if "Configuration problem" in line and "expired" in line]
    check(problem, "the log does not say the certificate expired: %s" % log[-3:])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/mobileconfig?emailaddress=last%40example.com", headers={"Host": "example.com"})
    body = connection.getresponse().read()
    check(signer_of(body, 999999) == second, "after a broken certificate the running signer must stay")
    metrics = subprocess.run(["curl", "-s", "http://127.0.0.1:%d/metrics" % port], capture_output=True, text=True).stdout
    check("autodiscover_signing_certificate_expiry_seconds" in metrics, "no expiry gauge in /metrics")
    issue = json.loads(problem[0]).get("autodiscover.issue", "").replace(work, "…")
    note("an expired certificate put in place: reload rejected (%s); answers still signed by the running certificate" % issue)
    print("signing rotation: all checks passed")
finally:
    stop(server)
    shutil.rmtree(work, ignore_errors=True)
