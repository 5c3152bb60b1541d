"""Times `dns check` of N generated domains against Knot DNS on loopback (see dns-check.sh)."""
import os
import subprocess
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system-tests"))
from knot import Knot, split_records, zone_text  # noqa: E402

count, runs, binary = int(sys.argv[1]), int(sys.argv[2]), os.path.abspath(sys.argv[3])
repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
work = tempfile.mkdtemp(prefix="autodiscover-dns-bench-")
knot = None
try:
    config = os.path.join(work, "domains.yaml")
    with open(config, "w") as handle:
        subprocess.run([sys.executable, os.path.join(repo, "..", "shared", "bench", "gen_domains.py"), str(count)], stdout=handle, check=True)
    host = ["--service-host", "autodiscover.example.net"]
    records = subprocess.run([binary, "dns", "records", "--config", config, *host], capture_output=True, text=True, check=True).stdout
    zones = split_records(records)
    knot = Knot(os.path.join(work, "knot"), {d: zone_text(d, b) for d, b in zones.items()}).start()
    for run in range(runs):
        started = time.monotonic()
        result = subprocess.run([binary, "dns", "check", "--config", config, *host, "--nameserver", "127.0.0.1:%d" % knot.port],
                                capture_output=True, text=True)
        seconds = time.monotonic() - started
        print("run %d: exit %d, %.2f s in all; %s" % (run + 1, result.returncode, seconds, result.stdout.strip().splitlines()[-1]), flush=True)
finally:
    if knot:
        knot.stop()
    shutil.rmtree(work, ignore_errors=True)
