"""A reader of the server's standard output that stops reading, then one that goes away.

The access log writes a line per request to standard output. A reader that stops (a stalled log shipper,
a full pipe) must hold up no answer: lines collect up to a bound, later ones are dropped and counted, and
once the reader moves again a warning line says how many were lost, so that the request lines read plus
those counted as dropped are exactly the requests made. A reader that goes away (EPIPE; SIGPIPE must not
end the process) must cost only log lines. SIGTERM must still end the process at once with exit 0.
"""
import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import BINARY, DROPPED_NOTICE, check, stop  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = "/mail/config-v1.1.xml?emailaddress=alice%40example.com"


def note(message):
    print("  " + message, flush=True)


def h2load(port, count):
    """`count` autoconfig requests over h2c; all must succeed (within 60 s: a stalled server fails here)."""
    begun = time.monotonic()
    result = subprocess.run(["timeout", "60", "h2load", "-n", str(count), "-c", "8", "-m", "10",
                             "http://127.0.0.1:%d%s" % (port, TARGET)], capture_output=True, text=True)
    seconds = time.monotonic() - begun
    summary = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded", result.stdout)
    check(summary is not None and summary.group(4) == str(count),
          "h2load with the log reader stalled: %s" % (result.stdout[-600:] or "timed out"))
    return seconds


class Output:
    """The server's standard output read as bytes straight from the pipe (no buffer for `select` to miss)."""

    def __init__(self, pipe):
        self.pipe, self.pending = pipe, b""

    def line(self, deadline):
        """The next line, or None at the deadline or the end of output."""
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.pipe], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.pipe.fileno(), 65536) if ready else b""
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()


def healthy(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as response:
        return response.status == 200


process = subprocess.Popen([BINARY, "serve", "--config", os.path.join(REPO, "config.yaml"), "--listen", "127.0.0.1:0"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
output = Output(process.stdout)
port = None
while port is None:
    line = output.line(time.monotonic() + 30)
    check(line is not None, "the server did not start")
    entry = json.loads(line)
    if entry.get("msg") == "Listening":
        port = int(entry["autodiscover.listen"].rsplit(":", 1)[1])
try:
    # 1. Nobody reads: 30,000 lines (about 10 MB) against a 64 KiB pipe and the output's 4 MiB bound.
    requests = 30_000
    seconds = h2load(port, requests)
    check(healthy(port), "/healthz while the log reader is stalled")
    requests += 1
    note("log reader stalled: %d requests answered in %.1f s, /healthz 200" % (requests - 1, seconds))

    # 2. Reading again: every line is JSON; request lines plus those reported dropped are the requests made.
    kept, dropped, lines = 0, 0, 0
    deadline = time.monotonic() + 20
    while kept + dropped < requests:
        line = output.line(deadline)
        if line is None:
            break
        lines += 1
        try:
            entry = json.loads(line)
        except ValueError:
            check(False, "a log line is not JSON: %r" % line[:200])
        if entry.get("msg") == "request":
            kept += 1
        elif entry.get("msg") == DROPPED_NOTICE:
            check(entry.get("level") == "warning", "the dropped-lines notice is not a warning: %r" % line)
            dropped += int(entry["dropped"])
    check(dropped > 0, "no line reported dropped lines (%d request lines read)" % kept)
    check(kept + dropped == requests,
          "%d request lines read + %d reported dropped != %d requests made" % (kept, dropped, requests))
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as response:
        metrics = response.read().decode()
    counted = re.search(r"^autodiscover_log_lines_dropped_total (\d+)$", metrics, re.M)
    check(counted is not None and int(counted.group(1)) == dropped,
          "/metrics counts %s dropped lines, the log reported %d" % (counted and counted.group(1), dropped))
    note("reading again: %d lines, each JSON; %d request lines + %d reported dropped = %d requests; /metrics "
         "autodiscover_log_lines_dropped_total %d" % (lines, kept, dropped, requests, dropped))

    # 3. The reader goes away: writes fail with EPIPE; the process must live on and keep answering.
    process.stdout.close()
    seconds = h2load(port, 5_000)
    check(process.poll() is None, "the server died when its log reader went away (exit %s)" % process.poll())
    check(healthy(port), "/healthz after the log reader went away")
    note("log reader gone: 5000 requests answered in %.1f s, process alive, /healthz 200" % seconds)
finally:
    begun = time.monotonic()
    code = stop(process)
check(code == 0, "exit code %s after SIGTERM" % code)
note("SIGTERM: exit 0 after %.1f s" % (time.monotonic() - begun))
print("log output: all checks passed")
