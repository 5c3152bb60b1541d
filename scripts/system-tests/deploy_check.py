"""deploy/ checked with real parts (issue: deployment).

1. The image's runtime libraries: every library the release binary links (ldd) comes from a package of
   scripts/packages.sh's runtime_packages, one they depend on, or the base image's C/C++ runtime.
2. deploy/compose.yaml and deploy/k8s/*.yaml parse and carry the fields operators rely on; the systemd
   unit passes `systemd-analyze verify` (its binary path pointed at the built one).
3. nginx started from deploy/nginx (only ports and certificate paths substituted) in front of the binary:
   every endpoint through it with Host autoconfig.example.com, autodiscover.example.com,
   ua-auto-config.example.com and example.com, over HTTP/1.1 and HTTP/2 (TLS); the domain comes from the
   forwarded host; X-Forwarded-Host sent straight to the service by an untrusted peer is ignored; the
   access log shows the client's address from X-Forwarded-For.
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import BINARY, check, start, stop  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(REPO, "deploy")


def note(message):
    print("  " + message, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------ 1. runtime libraries
packages = subprocess.run(["bash", "-c", ". '%s/scripts/packages.sh' && echo ${runtime_packages[@]}" % REPO],
                          capture_output=True, text=True, check=True).stdout.split()
image = os.path.join(REPO, ".build", "image", "usr", "local", "bin", "autodiscover")
linked_binary = image if os.path.exists(image) else BINARY
libraries = re.findall(r"=> (\S+) \(", subprocess.run(["ldd", linked_binary], capture_output=True, text=True, check=True).stdout)
base = {"libc6", "libgcc-s1", "libstdc++6"}
dependencies = set()
for package in packages:
    depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", package + ":amd64"], capture_output=True, text=True).stdout
    dependencies |= {part.strip().split()[0].split(":")[0] for part in depends.split(",") if part.strip()}
unexplained = []
for library in libraries:
    owner = subprocess.run(["dpkg", "-S", os.path.realpath(library)], capture_output=True, text=True).stdout.split(":")[0]
    if not owner:
        owner = subprocess.run(["dpkg", "-S", library], capture_output=True, text=True).stdout.split(":")[0]
    if owner not in packages and owner not in base and owner not in dependencies:
        unexplained.append("%s (%s)" % (library, owner or "no package"))
check(not unexplained, "libraries the binary links that the runtime image does not install: %s" % unexplained)
note("ldd %s: %d libraries, each from runtime_packages (%s), their dependencies or the base image"
     % (os.path.relpath(linked_binary, REPO), len(libraries), " ".join(packages)))

# ------------------------------------------------------------------ 2. compose, Kubernetes, systemd
compose = yaml.safe_load(open(os.path.join(DEPLOY, "compose.yaml")))
service, proxy = compose["services"]["autodiscover"], compose["services"]["nginx"]
check(service["read_only"] and service["user"].startswith("10001") and "healthcheck" in service, "compose: the service's fields")
check(any(volume.endswith(":/etc/autodiscover/config.yaml:ro") for volume in service["volumes"]), "compose: the config as a bind mount")
check("healthcheck" in proxy and proxy["depends_on"]["autodiscover"]["condition"] == "service_healthy", "compose: nginx waits for a healthy service")
compose_config = yaml.safe_load(open(os.path.join(DEPLOY, "compose", "config.yaml")))
nginx_address = proxy["networks"]["autodiscover"]["ipv4_address"]
check(nginx_address + "/32" in compose_config["server"]["trusted_proxies"], "compose: nginx's address is a trusted proxy")
result = subprocess.run([BINARY, "check", "--config", os.path.join(DEPLOY, "compose", "config.yaml")], capture_output=True, text=True)
check(result.returncode == 0, "compose/config.yaml does not pass check: " + result.stdout)

manifests = {}
for path in sorted(glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml"))):
    for document in yaml.safe_load_all(open(path)):
        manifests[document["kind"]] = document
for kind in ("ConfigMap", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Kustomization"):
    check(kind in manifests, "deploy/k8s has no %s" % kind)
pod = manifests["Deployment"]["spec"]["template"]["spec"]
container = pod["containers"][0]
check(container["readinessProbe"]["httpGet"]["path"] == "/readyz" and container["livenessProbe"]["httpGet"]["path"] == "/healthz", "k8s: probes")
check(container["resources"]["requests"] and container["resources"]["limits"], "k8s: resources")
check(pod["securityContext"]["runAsNonRoot"] and container["securityContext"]["readOnlyRootFilesystem"]
      and container["securityContext"]["allowPrivilegeEscalation"] is False, "k8s: non-root, read-only")
mount = container["volumeMounts"][0]
check(mount["mountPath"] == "/etc/autodiscover" and "subPath" not in mount, "k8s: the ConfigMap as a folder (a subPath mount never updates)")
k8s_config = os.path.join(tempfile.mkdtemp(), "config.yaml")
open(k8s_config, "w").write(manifests["ConfigMap"]["data"]["config.yaml"])
check(subprocess.run([BINARY, "check", "--config", k8s_config], capture_output=True).returncode == 0, "k8s: the ConfigMap's config passes check")
hosts = {rule["host"] for rule in manifests["Ingress"]["spec"]["rules"]}
check({"autoconfig.example.com", "autodiscover.example.com", "ua-auto-config.example.com", "example.com"} <= hosts, "k8s: Ingress hosts")
check(manifests["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "autodiscover", "k8s: HPA")
note("compose.yaml and k8s/*.yaml parse and carry probes, resources, non-root read-only contexts, the config mount; their configs pass check")

unit = open(os.path.join(DEPLOY, "systemd", "autodiscover.service")).read()
for field in ("DynamicUser=yes", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "ProtectSystem=strict", "NoNewPrivileges=yes"):
    check(field in unit, "systemd unit lacks " + field)
if shutil.which("systemd-analyze"):
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "autodiscover.service")
    open(path, "w").write(unit.replace("/usr/local/bin/autodiscover", BINARY))
    verify = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
    problems = [line for line in (verify.stdout + verify.stderr).splitlines() if "autodiscover.service" in line]
    check(verify.returncode == 0 and not problems, "systemd-analyze verify: %s" % (verify.stdout + verify.stderr))
    note("systemd-analyze verify: the unit passes")
else:
    note("systemd-analyze is not installed here: the unit's fields were checked, not verified")

# ------------------------------------------------------------------ 3. nginx in front
work = tempfile.mkdtemp(prefix="autodiscover-nginx-")
names = ["autoconfig.example.com", "autodiscover.example.com", "ua-auto-config.example.com", "example.com"]
subprocess.run(["bash", "-c", """set -e; cd '%s'
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=Deploy Test CA' 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=autoconfig.example.com' 2>/dev/null
printf 'subjectAltName=%s\\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf 2>/dev/null
""" % (work, ",".join("DNS:" + n for n in names))], check=True)

config_text = open(os.path.join(REPO, "config.yaml")).read()
config_text = re.sub(r"trusted_proxies: .*", 'trusted_proxies: ["127.0.0.1/32"]', config_text, count=1)
config_path = os.path.join(work, "config.yaml")
open(config_path, "w").write(config_text)
server, service_port = start(config_path)
log_lines = []
threading.Thread(target=lambda: [log_lines.append(line) for line in server.stdout], daemon=True).start()

https_port, http_port = free_port(), free_port()
conf = os.path.join(work, "conf")
shutil.copytree(os.path.join(DEPLOY, "nginx"), conf)


def substitute(path, replacements):
    text = open(path).read()
    for old, new in replacements:
        check(old in text, "%s has no %r to substitute" % (path, old))
        text = text.replace(old, new)
    open(path, "w").write(text)


# Only ports and certificate paths (and the IPv6 listens, loopback has 127.0.0.1 here).
substitute(os.path.join(conf, "autodiscover.conf"), [
    ("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port), ("    listen [::]:443 ssl http2;\n", ""),
    ("listen 80;", "listen 127.0.0.1:%d;" % http_port), ("    listen [::]:80;\n", ""),
    ("/etc/ssl/autodiscover/fullchain.pem", os.path.join(work, "server.crt")),
    ("/etc/ssl/autodiscover/privkey.pem", os.path.join(work, "server.key"))])
substitute(os.path.join(conf, "autodiscover-upstream.conf"), [("127.0.0.1:8080", "127.0.0.1:%d" % service_port)])
# The test's own nginx.conf: the http block includes the deploy files, and a website for the bare domain
# example.com includes the mail-domain snippet (what an operator adds to their site).
open(os.path.join(conf, "nginx.conf"), "w").write("""
worker_processes 1;
pid %(work)s/nginx.pid;
error_log %(work)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(work)s/body; proxy_temp_path %(work)s/proxy;
    fastcgi_temp_path %(work)s/fastcgi; uwsgi_temp_path %(work)s/uwsgi; scgi_temp_path %(work)s/scgi;
    include autodiscover-upstream.conf;
    include autodiscover.conf;
    server {
        listen 127.0.0.1:%(https)d ssl http2;
        server_name example.com;
        ssl_certificate %(work)s/server.crt;
        ssl_certificate_key %(work)s/server.key;
        location / { return 200 "the website\\n"; }
        include snippets/autodiscover-mail-domain.conf;
    }
}
""" % {"work": work, "https": https_port})
test = subprocess.run(["nginx", "-t", "-p", conf, "-c", os.path.join(conf, "nginx.conf")], capture_output=True, text=True)
check(test.returncode == 0, "nginx -t: " + test.stderr)
note("nginx -t passes on deploy/nginx (%s)" % test.stderr.strip().splitlines()[-1])
nginx = subprocess.Popen(["nginx", "-p", conf, "-c", os.path.join(conf, "nginx.conf"), "-g", "daemon off;"],
                         stderr=subprocess.PIPE, text=True)
try:
    deadline = time.time() + 10
    while subprocess.run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:%d/" % http_port]).returncode != 0:
        check(time.time() < deadline and nginx.poll() is None, "nginx did not start")
        time.sleep(0.05)

    def through(host, path, flags=(), method="GET", data=None, interface=None, headers=()):
        resolve = ["--resolve", "%s:%d:127.0.0.1" % (host, https_port)]
        command = ["curl", "-sS", "-m", "10", "--cacert", os.path.join(work, "ca.crt"), *resolve, *flags,
                   "-o", "-", "-w", "\n%{http_code} %{http_version} %{content_type}", "-X", method]
        if data is not None:
            command += ["-H", "Content-Type: text/xml", "--data-binary", data]
        if interface:
            command += ["--interface", interface]
        for header in headers:
            command += ["-H", header]
        output = subprocess.run(command + ["https://%s:%d%s" % (host, https_port, path)], capture_output=True, text=True).stdout
        body, _, tail = output.rpartition("\n")
        status, version, content_type = (tail.split(" ", 2) + ["", ""])[:3]
        return int(status or 0), version, content_type, body

    pox = open(os.path.join(REPO, "..", "shared", "bench", "pox-request.xml")).read()
    cases = [
        ("autoconfig.example.com", "/mail/config-v1.1.xml", "GET", None, 200, "<hostname>imap4.example.com</hostname>"),
        ("autoconfig.example.com", "/mail/config-v1.1.xml?emailaddress=alice%40example.com", "GET", None, 200, "<hostname>msa.example.com</hostname>"),
        ("autoconfig.example.com", "/", "GET", None, 200, "imap4.example.com"),
        ("autoconfig.example.com", "/mobileconfig?emailaddress=alice%40example.com", "GET", None, 200, "imap4.example.com"),
        ("autodiscover.example.com", "/autodiscover/autodiscover.xml", "POST", pox, 200, "<Server>imap4.example.com</Server>"),
        ("autodiscover.example.com", "/Autodiscover/Autodiscover.xml", "GET", None, 200, "<Server>imap4.example.com</Server>"),
        ("autodiscover.example.com", "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=ActiveSync", "GET", None, 200,
         "https://eas.example.com/Microsoft-Server-ActiveSync"),
        ("ua-auto-config.example.com", "/.well-known/user-agent-configuration.json", "GET", None, 200, "imap4.example.com"),
        ("example.com", "/.well-known/autoconfig/mail/config-v1.1.xml", "GET", None, 200, "<hostname>imap4.example.com</hostname>"),
        ("example.com", "/.WELL-KNOWN/AUTOCONFIG/mail/config-v1.1.xml", "GET", None, 200, "<hostname>imap4.example.com</hostname>"),
        ("example.com", "/.well-known/user-agent-configuration.json", "GET", None, 200, "imap4.example.com"),
        ("example.com", "/autodiscover/autodiscover.xml", "POST", pox, 200, "<Server>imap4.example.com</Server>"),
        ("example.com", "/AutoDiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1", "GET", None, 200,
         "autodiscover.xml"),
        # RFC 6764, routed from the bare domain: the service's own 301 to the CalDAV/CardDAV URL.
        ("example.com", "/.well-known/caldav", "GET", None, 301, "Moved to https://dav.example.com/"),
        ("example.com", "/.well-known/CardDAV", "GET", None, 301, "Moved to https://dav.example.com/"),
        ("example.com", "/index.html", "GET", None, 200, "the website"),
    ]
    for flags, label in ((["--http1.1"], "1.1"), (["--http2"], "2")):
        for host, path, method, data, status, expected in cases:
            got, version, content_type, body = through(host, path, flags, method, data)
            check(got == status and expected in body, "%s %s%s over HTTP/%s: %d %s" % (method, host, path, label, got, body[:300]))
            check(version == label, "HTTP version %s, expected %s" % (version, label))
    note("through nginx: %d requests over HTTP/1.1 and HTTP/2 (TLS) to the four hosts, each answered for the forwarded host"
         % (2 * len(cases)))

    redirect = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: autodiscover.example.com",
                               "http://127.0.0.1:%d/autodiscover/autodiscover.xml" % http_port], capture_output=True, text=True).stdout
    check(redirect.startswith("301 https://autodiscover.example.com/autodiscover/autodiscover.xml"), "http step: " + redirect)
    note("Outlook's http step: " + redirect)

    # X-Forwarded-Host from a peer that is not a trusted proxy (127.0.0.3, straight to the service): ignored.
    direct = subprocess.run(["curl", "-s", "--interface", "127.0.0.3", "-H", "Host: unknown.invalid", "-H", "X-Forwarded-Host: example.com",
                             "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:%d/mail/config-v1.1.xml" % service_port],
                            capture_output=True, text=True).stdout
    check(direct == "404", "X-Forwarded-Host from an untrusted peer was believed: %s" % direct)
    note("X-Forwarded-Host sent straight to the service from 127.0.0.3 (not a trusted proxy): ignored (404 for its Host)")

    # The access log names the client (127.0.0.5, seen by nginx), not nginx (127.0.0.1).
    through("autoconfig.example.com", "/mail/config-v1.1.xml?emailaddress=alice%40example.com&marker=1", ["--http1.1"], interface="127.0.0.5")
    deadline = time.time() + 5
    while not any('"127.0.0.5"' in line for line in log_lines):
        check(time.time() < deadline, "no access-log line names 127.0.0.5")
        time.sleep(0.02)
    entry = json.loads([line for line in log_lines if '"127.0.0.5"' in line][-1])
    note("access log: remote %s, scheme %s, domain %s" % (
        entry.get("autodiscover.remote", entry.get("remote")), entry.get("autodiscover.scheme", entry.get("scheme")),
        entry.get("autodiscover.domain", entry.get("domain"))))
    print("deploy: all checks passed")
finally:
    nginx.terminate()
    nginx.wait(timeout=10)
    stop(server)
    shutil.rmtree(work, ignore_errors=True)
