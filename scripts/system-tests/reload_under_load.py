"""Reload under load: a client loop runs while the config is rewritten and reloaded 50 times.

Every answer must be 200 and belong to one whole generation (all hosts of one answer carry the same
generation number); no request may fail. Half of the reloads are by SIGHUP, half by the file watcher.
The two domains differ only in their names, so they share one answer per format (domain shapes): each
answer must also name only the domain asked about.
"""
import http.client
import os
import re
import signal
import tempfile
import threading
import time

import lib

RELOADS = 50
CLIENTS = 4


DOMAINS = ("example.com", "example.net")


def config(generation):
    return "domains:\n" + "".join(
        f"  {domain}:\n"
        f"    display_name: Generation {generation}\n"
        f"    imap: {{ host: imap-g{generation}.{domain} }}\n"
        f"    pop3: {{ host: pop-g{generation}.{domain} }}\n"
        f"    smtp: {{ host: smtp-g{generation}.{domain}, port: 587 }}\n"
        for domain in DOMAINS
    )


def main():
    directory = tempfile.mkdtemp(prefix="autodiscover-reload-")
    path = os.path.join(directory, "config.yaml")
    lib.write_atomically(path, config(0))
    process, port = lib.start(path, ["--no-access-log"])
    # The server's log, read as it comes (a full pipe would stall the server's logging).
    log = []
    reader = threading.Thread(target=lambda: log.extend(process.stdout))
    reader.start()
    stop = threading.Event()
    stats = {"ok": 0, "failed": 0, "mixed": 0, "wrong": 0, "seen": set()}
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        asked = 0
        while not stop.is_set():
            domain = DOMAINS[asked % len(DOMAINS)]
            asked += 1
            try:
                connection.request("GET", f"/mail/config-v1.1.xml?emailaddress=a%40{domain}")
                response = connection.getresponse()
                body = response.read().decode()
            except Exception as error:  # a failed request is what this test exists to catch
                with lock:
                    stats["failed"] += 1
                print("request failed:", error)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            hosts = re.findall(r"-g(\d+)\.(example\.\w+)", body)
            generations = {generation for generation, _ in hosts}
            generations |= set(re.findall(r"Generation (\d+)", body))
            named = {name for _, name in hosts} | set(re.findall(r"<domain>([^<]*)</domain>", body))
            with lock:
                if response.status != 200:
                    stats["failed"] += 1
                elif named != {domain}:
                    stats["wrong"] += 1
                elif len(generations) != 1:
                    stats["mixed"] += 1
                else:
                    stats["ok"] += 1
                    stats["seen"].add(int(generations.pop()))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    started = time.time()
    try:
        for generation in range(1, RELOADS + 1):
            lib.write_atomically(path, config(generation))
            if generation % 2:
                process.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while generation not in stats["seen"]:
                lib.check(time.time() < deadline, f"generation {generation} never served")
                time.sleep(0.005)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        code = lib.stop(process)
        reader.join()
    elapsed = time.time() - started
    print(f"reload under load: {RELOADS} reloads in {elapsed:.1f}s, {stats['ok']} answers ok, "
          f"{stats['failed']} failed, {stats['mixed']} mixed generations, {stats['wrong']} naming another domain, "
          f"exit code {code}")
    lib.check(stats["failed"] == 0, "requests failed during reloads")
    lib.check(stats["wrong"] == 0, "an answer named another domain than the one asked about")
    shared = [line for line in log if '"Answers shared"' in line and '"autodiscover.shapes":"1"' in line]
    print(f"answers shared by the two domains in {len(shared)} of {RELOADS + 1} generations")
    lib.check(shared, "the two domains never shared their answers")
    lib.check(stats["mixed"] == 0, "an answer mixed two generations")
    lib.check(len(stats["seen"]) >= RELOADS // 2, "too few generations observed")
    lib.check(code == 0, "server exit code %s" % code)


if __name__ == "__main__":
    main()
