"""A real authoritative DNS server for the system tests: Knot DNS (knotd) on 127.0.0.1 at a free port.

Zones are plain text (`dns records` output and the like) under a header this module writes (SOA, NS);
`Knot.write` and `Knot.reload` change them while the server runs, `Knot.stop` ends it by its PID.
"""
import os
import socket
import subprocess
import time

HEADER = """$ORIGIN {origin}
$TTL 300
@\tIN\tSOA\t{ns} hostmaster.{ns} {serial} 3600 600 86400 60
@\tIN\tNS\t{ns}
{ns}\tIN\tA\t127.0.0.1
"""


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (asked of the system, then released)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def zone_text(domain, body, serial=1):
    """A loadable zone: the SOA/NS header for `domain`, then `body` (records with absolute names)."""
    origin = domain.rstrip(".") + "."
    ns = "ns." + origin if origin != "." else "ns."
    return HEADER.format(origin=origin, ns=ns, serial=serial) + "\n" + body


def split_records(text):
    """`dns records --format zone` output as {domain: its records' lines}: after the header, each domain's
    group is a paragraph opened by a comment line (`; example.com`, `; example.net: alias of example.com`)."""
    zones = {}
    for paragraph in text.split("\n\n")[1:]:
        lines = paragraph.strip("\n").splitlines()
        domain = lines[0][2:].split()[0].rstrip(":,")
        zones[domain] = "".join(line + "\n" for line in lines[1:])
    return zones


class Knot:
    def __init__(self, work, zones):
        """`zones`: {domain: full zone text}."""
        self.work = work
        self.port = free_port()
        self.zones = dict(zones)
        for folder in ("run", "db", "zones"):
            os.makedirs(os.path.join(work, folder), exist_ok=True)
        for domain, text in zones.items():
            self.write(domain, text)
        self.conf = os.path.join(work, "knot.conf")
        with open(self.conf, "w") as handle:
            handle.write(f"""server:
    rundir: "{work}/run"
    listen: 127.0.0.1@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{work}/db"
control:
    listen: "{work}/run/knot.sock"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{work}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
""")
            for domain in zones:
                handle.write(f"  - domain: {domain}\n")
        self.process = None

    def write(self, domain, text):
        path = os.path.join(self.work, "zones", domain.rstrip(".") + ".zone")
        with open(path + ".tmp", "w") as handle:
            handle.write(text)
        os.rename(path + ".tmp", path)

    def knotc(self, *args):
        return subprocess.run(["knotc", "-c", self.conf, "-t", "5", *args], capture_output=True, text=True)

    def start(self):
        self.process = subprocess.Popen(["knotd", "-c", self.conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        # Ready when every zone is loaded: knotc answers over the control socket once the server runs.
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("knotd exited: " + self.process.stderr.read())
            status = self.knotc("zone-status")
            if status.returncode == 0 and status.stdout.count("serial:") >= len(self.zones) and "serial: none" not in status.stdout:
                return self
            time.sleep(0.05)
        self.stop()
        raise SystemExit("knotd did not load its zones within 20 s")

    def reload(self, domain, text):
        """Replaces a zone's text (its SOA serial must be higher) and has the server load it."""
        self.write(domain, text)
        result = self.knotc("zone-reload", domain.rstrip(".") + ".")
        if result.returncode != 0:
            raise SystemExit("knotc zone-reload failed: " + result.stdout + result.stderr)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
