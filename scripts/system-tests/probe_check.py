"""`autodiscover probe` against the release binary serving TLS on loopback (issue: probe).

A test CA signs a certificate for autoconfig.example.com, autodiscover.example.com, ua-auto-config.example.com
and example.com; the service serves it on its TLS listener; Knot DNS on loopback serves the zone `dns records`
prints (SRV `_autodiscover._tcp`, the PACC TXT digest). The probe maps the names to the service with
--connect-to and asks Knot with --nameserver:

1. every client PASS, exit 0, in text and JSON;
2. a certificate for another name: the step that meets it FAILs naming TLS, exit 1;
3. the service stopped: connection refused at each step, every client FAIL, exit 1;
4. the service running a different config (the IMAP host and port differ): the fields named with expected
   and found, exit 1;
5. a PACC TXT record whose digest does not match the body: the PACC step FAILs, exit 1;
6. nginx in front with the PACC route missing: that step shows the 404, the pacc client FAILs, exit 1.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import lib  # noqa: E402
from knot import Knot, free_port, split_records, zone_text  # noqa: E402

BINARY = lib.BINARY
NAMES = ["autoconfig.example.com", "autodiscover.example.com", "ua-auto-config.example.com", "example.com"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def sh(command, cwd):
    subprocess.run(command, shell=True, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certificates(work):
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=Probe Test CA'", work)
    for name, names in (("server", NAMES), ("wrong", ["wrong.example.net"])):
        with open(os.path.join(work, name + ".ext"), "w") as handle:
            handle.write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
        sh(f"openssl req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr -subj '/CN={names[0]}'", work)
        sh(f"openssl x509 -req -in {name}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out {name}.crt -days 2 "
           f"-extfile {name}.ext", work)


CONFIG = """server:
  listen: "127.0.0.1:0"
  tls: {{ listen: "127.0.0.1:0", certificate: {cert}, key: {key} }}
domains:
  example.com:
    display_name: Example Mail
    imap: {{ host: {imap}, port: {port}, socket: SSL }}
    smtp: {{ host: smtp.example.com, port: 465, socket: SSL }}
    activesync: {{ url: "https://eas.example.com/Microsoft-Server-ActiveSync" }}
    caldav: {{ url: "https://dav.example.com/" }}
    autodiscover: {{ host: autodiscover.example.com }}
"""


def write_config(work, name, cert="server", imap="imap.example.com", port=993):
    path = os.path.join(work, name)
    with open(path, "w") as handle:
        handle.write(CONFIG.format(cert=os.path.join(work, cert + ".crt"), key=os.path.join(work, cert + ".key"),
                                   imap=imap, port=port))
    return path


def start(config):
    """The service and its cleartext and TLS ports."""
    process = subprocess.Popen([BINARY, "serve", "--config", config, "--no-access-log"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "Listening":
            plain = int(entry["autodiscover.listen"].rsplit(":", 1)[1])
            tls = int(entry["autodiscover.listen.tls"].rsplit(":", 1)[1])
            return process, plain, tls
    raise SystemExit("the service did not start")


def probe(work, config, tls_port, plain_port, nameserver, *extra, clients=("all",)):
    command = [BINARY, "probe", "--email", "alice@example.com", "--ca", os.path.join(work, "ca.crt"),
               "--nameserver", nameserver, "--timeout", "3s"]
    if config:
        command += ["--config", config]
    for name in NAMES:
        command += ["--connect-to", f"{name}:443:127.0.0.1:{tls_port}"]
    command += ["--connect-to", f"autodiscover.example.com:80:127.0.0.1:{plain_port}"]
    for client in clients:
        command += ["--client", client]
    result = subprocess.run(command + list(extra), capture_output=True, text=True, timeout=120)
    return result


def main():
    work = tempfile.mkdtemp(prefix="probe-")
    knot = None
    processes = []
    try:
        make_certificates(work)
        config = write_config(work, "config.yaml")
        records = subprocess.run([BINARY, "dns", "records", "--config", config, "--domain", "example.com",
                                  "--service-host", "autodiscover.example.com"], capture_output=True, text=True, check=True)
        zone = split_records(records.stdout)["example.com"]
        knot = Knot(os.path.join(work, "knot"), {"example.com": zone_text("example.com", zone)}).start()
        nameserver = f"127.0.0.1:{knot.port}"

        process, plain, tls = start(config)
        processes.append(process)

        # 1. Everything passes.
        result = probe(work, config, tls, plain, nameserver)
        print(result.stdout)
        check(result.returncode == 0, f"probe of a correct deployment exited {result.returncode}: {result.stderr}")
        check("verdict: PASS" in result.stdout, "no PASS verdict line")
        as_json = probe(work, config, tls, plain, nameserver, "--format", "json")
        report = json.loads(as_json.stdout)
        verdicts = {client["client"]: client["verdict"] for client in report["clients"]}
        check(verdicts == {c: "PASS" for c in ["thunderbird", "outlook", "outlook-json", "activesync", "pacc", "apple"]},
              f"not every client PASS: {verdicts}")
        srv = [step for client in report["clients"] for step in client["steps"] if step["step"].startswith("SRV")]
        check(srv and all(step["verdict"] == "PASS" for step in srv), f"SRV steps: {srv}")
        pacc = next(client for client in report["clients"] if client["client"] == "pacc")
        check(pacc["steps"][0]["verdict"] == "PASS" and "v=UAAC1" in (pacc["steps"][0].get("dns") or ""),
              f"PACC TXT step: {pacc['steps'][0]}")
        tls_facts = report["clients"][0]["steps"][0].get("tls") or {}
        check(tls_facts.get("daysLeft") in (1, 2) and "autoconfig.example.com" in tls_facts.get("names", []),
              f"TLS facts of the first step: {tls_facts}")

        # 4. A different config: the fields are named.
        other = write_config(work, "other.yaml", imap="imap2.example.com", port=994)
        result = probe(work, other, tls, plain, nameserver, clients=("thunderbird",))
        print(result.stdout)
        check(result.returncode == 1, f"a differing config: exit {result.returncode}")
        check("hostname: expected 'imap2.example.com', found 'imap.example.com'" in result.stdout,
              "the differing IMAP host is not named with expected and found")
        check("port: expected '994', found '993'" in result.stdout, "the differing IMAP port is not named")

        # 5. A PACC TXT record that does not match the body.
        knot.reload("example.com", zone_text("example.com", "\n".join(
            line if "_ua-auto-config" not in line else
            '_ua-auto-config.example.com.\t3600\tIN\tTXT\t"v=UAAC1; a=sha256; d=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'
            for line in zone.splitlines()) + "\n", serial=2))
        result = probe(work, config, tls, plain, nameserver, clients=("pacc",))
        print(result.stdout)
        check(result.returncode == 1 and "matches no TXT record at _ua-auto-config.example.com" in result.stdout,
              f"a wrong PACC digest was not named (exit {result.returncode})")

        # 6. nginx in front without the PACC route: a 404 at that step.
        nginx_port = free_port()
        os.makedirs(os.path.join(work, "nginx"), exist_ok=True)
        with open(os.path.join(work, "nginx", "nginx.conf"), "w") as handle:
            handle.write(f"""pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {work}/nginx;
  proxy_temp_path {work}/nginx;
  server {{
    listen 127.0.0.1:{nginx_port} ssl;
    ssl_certificate {work}/server.crt;
    ssl_certificate_key {work}/server.key;
    location /mail/ {{ proxy_pass http://127.0.0.1:{plain}; proxy_set_header Host $host; }}
  }}
}}
""")
        subprocess.run(["nginx", "-c", os.path.join(work, "nginx", "nginx.conf")], check=True)
        try:
            result = probe(work, config, nginx_port, plain, nameserver, clients=("pacc",))
            print(result.stdout)
            check(result.returncode == 1 and "HTTP 404" in result.stdout and "no such route here" in result.stdout,
                  f"the missing route's 404 was not reported (exit {result.returncode})")
        finally:
            with open(os.path.join(work, "nginx", "nginx.pid")) as handle:
                os.kill(int(handle.read().strip()), 15)

        # 2. A certificate for another name.
        wrong = write_config(work, "wrong.yaml", cert="wrong")
        wrong_process, wrong_plain, wrong_tls = start(wrong)
        processes.append(wrong_process)
        result = probe(work, config, wrong_tls, wrong_plain, nameserver, clients=("thunderbird",))
        print(result.stdout)
        first = result.stdout.splitlines()
        step = next((i for i, line in enumerate(first) if "GET https://autoconfig.example.com/mail/config-v1.1.xml" in line), None)
        check(result.returncode == 1 and step is not None and "FAIL" in first[step] and "TLS" in first[step + 1],
              f"a certificate for the wrong name was not named at its step (exit {result.returncode})")

        # 3. The service stopped.
        lib.stop(process)
        result = probe(work, config, tls, plain, nameserver, clients=("thunderbird", "pacc"))
        print(result.stdout)
        check(result.returncode == 1 and result.stdout.count("connection refused") >= 3,
              f"a stopped service: exit {result.returncode}, refused steps {result.stdout.count('connection refused')}")
        check("no step gives the client its settings" in result.stdout, "no client verdict for a stopped service")
    finally:
        for process in processes:
            if process.poll() is None:
                lib.stop(process)
        if knot:
            knot.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        raise SystemExit(f"{len(failures)} probe check(s) failed")
    print("probe: all checks passed")


main()
