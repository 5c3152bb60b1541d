"""See dns-source.sh."""
import json
import os
import subprocess
import sys
import tempfile
import time
import shutil
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system-tests"))
from knot import Knot, free_port, zone_text  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
count = int(args[0]) if args else 10000
binary = os.path.abspath(args[1] if len(args) > 1 else ".build/release/autodiscover")
bench = "--bench" in sys.argv
work = tempfile.mkdtemp(prefix="autodiscover-dns-source-bench-")
knot = server = None
try:
    names = ["d%05d" % i for i in range(count)]
    zone = "".join(
        "_imaps._tcp.{n}\tSRV\t0 1 993 imap.{n}.dnsbench.example.\n"
        "_pop3s._tcp.{n}\tSRV\t0 1 995 pop.{n}.dnsbench.example.\n"
        "_submission._tcp.{n}\tSRV\t0 1 587 smtp.{n}.dnsbench.example.\n"
        "_autodiscover._tcp.{n}\tSRV\t0 1 443 autodiscover.{n}.dnsbench.example.\n".format(n=n) for n in names)
    knot = Knot(os.path.join(work, "knot"), {"dnsbench.example": zone_text("dnsbench.example", zone)}).start()
    config = os.path.join(work, "config.yaml")
    port = free_port()
    with open(config, "w") as handle:
        handle.write('server:\n  listen: "127.0.0.1:%d"\n  dns: { nameservers: ["127.0.0.1:%d"], timeout: 2s }\ndomains:\n' % (port, knot.port))
        handle.write("  example.com:\n    imap: { host: imap.example.com, port: 993, socket: SSL }\n"
                     "    pop3: { host: pop.example.com, port: 995, socket: SSL }\n"
                     "    smtp: { host: smtp.example.com, port: 587, socket: STARTTLS }\n")
        for n in names:
            handle.write("  %s.dnsbench.example: { source: dns }\n" % n)
    started = time.monotonic()
    server = subprocess.Popen([binary, "serve", "--config", config, "--no-access-log"], stdout=subprocess.PIPE, text=True)
    looked_up = None
    while looked_up is None:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("server ended")
        entry = json.loads(line)
        if entry.get("msg") == "Domains looked up in DNS":
            looked_up = entry
    while True:
        try:
            if urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=5).status == 200:
                break
        except Exception:  # noqa: BLE001
            time.sleep(0.01)
    ready = time.monotonic() - started
    rss = [l for l in open("/proc/%d/status" % server.pid) if l.startswith("VmRSS")][0].split()[1]
    questions = int(looked_up["autodiscover.dns.questions"])
    seconds = float(looked_up["autodiscover.dns.seconds"])
    print("%d source: dns domains: ready after %.2f s; first round %d questions in %.2f s (%d a second); RSS %.1f MiB"
          % (count, ready, questions, seconds, questions / seconds if seconds else 0, int(rss) / 1024), flush=True)
    if bench:
        environment = dict(os.environ,
                           BENCH_PATH_AUTOCONFIG="/mail/config-v1.1.xml?emailaddress=alice@d00001.dnsbench.example",
                           BENCH_PATH_AUTOCONFIG_WK="/mail/config-v1.1.xml?emailaddress=alice@example.com",
                           BENCH_PID=str(server.pid))
        environment.setdefault("BENCH_DURATION", "5")
        environment.setdefault("BENCH_WARMUP", "1")
        subprocess.run([os.path.join("..", "shared", "bench", "bench.sh"), "--endpoints", "autoconfig,autoconfig-wk",
                        "http://127.0.0.1:%d" % port], env=environment, check=False)
finally:
    if server:
        server.terminate()
        server.wait()
    if knot:
        knot.stop()
    shutil.rmtree(work, ignore_errors=True)
