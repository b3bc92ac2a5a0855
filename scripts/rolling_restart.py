"""Zero-downtime rolling restart (scripts/rolling-restart.sh).

Starts two lms-server instances on one database behind HAProxy, which health-checks
each on /health/ready and retries only connections that fail to open (a request that an
instance accepted and then dropped is a failure the client sees). A steady, bounded load
runs through HAProxy from keep-alive clients: reads, writes and logins. The instances are
restarted one at a time (SIGTERM, wait for the exit, start again, wait until HAProxy has
it back). Every request must succeed and every instance must exit 0; exits non-zero
otherwise, printing the failures.
"""

import argparse
import csv
import http.client
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "correct-horse-battery-staple-42"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    sys.exit(f"rolling restart: timed out waiting for {what}")


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


class Instance:
    def __init__(self, name, binary, env, log):
        self.name, self.binary, self.env, self.log = name, binary, env, log
        self.port = free_port()
        self.proc = None

    def start(self):
        env = dict(self.env, LMS_BIND=f"127.0.0.1:{self.port}")
        self.proc = subprocess.Popen([self.binary], env=env, stdout=self.log, stderr=self.log)
        wait_until(
            f"instance {self.name} to be ready",
            lambda: self.proc.poll() is None
            and status_of(f"http://127.0.0.1:{self.port}/health/ready") == 200,
            60,
        )

    def stop(self, timeout=60):
        """SIGTERM and wait: the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


class Proxy:
    def __init__(self, work, instances, log):
        self.port, self.stats = free_port(), free_port()
        servers = "\n".join(
            f"    server {i.name} 127.0.0.1:{i.port} check" for i in instances
        )
        self.config = os.path.join(work, "haproxy.cfg")
        with open(self.config, "w") as f:
            f.write(
                f"""global
    maxconn 2048

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    # Connections that fail to open are tried again, on the other server; a request an
    # instance accepted is never replayed.
    retries 3
    option redispatch 1
    retry-on conn-failure

frontend web
    bind 127.0.0.1:{self.port}
    default_backend lms

backend lms
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 200ms fastinter 100ms downinter 200ms fall 2 rise 2
{servers}

frontend stats
    bind 127.0.0.1:{self.stats}
    stats enable
    stats uri /stats
"""
            )
        subprocess.run(["haproxy", "-c", "-q", "-f", self.config], check=True)
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config], stdout=log, stderr=log)

    def states(self):
        """Server name -> HAProxy's status of it (UP, DOWN, …)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.stats}/stats;csv", timeout=2) as resp:
                text = resp.read().decode()
        except OSError:
            return {}
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            r["svname"]: r["status"].split()[0]
            for r in rows
            if r["pxname"] == "lms" and r["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_up(self, names):
        wait_until(
            f"HAProxy to see {', '.join(names)} up",
            lambda: all(self.states().get(n) == "UP" for n in names),
            30,
        )

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Load:
    """Keep-alive clients through the proxy, each pacing itself to `rate` requests a second."""

    def __init__(self, port, clients, rate):
        self.port, self.clients, self.rate = port, clients, rate
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.threads = []

    def request(self, conn, method, path, token=None, body=None):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()

    def client(self, n):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        email = f"rolling-{n}-{secrets.token_hex(4)}@example.com"
        status, body = self.request(
            conn, "POST", "/api/v1/auth/register",
            body={"email": email, "password": PASSWORD, "display_name": "Learner"},
        )
        assert status == 201, (status, body)
        login = {"email": email, "password": PASSWORD}
        status, body = self.request(conn, "POST", "/api/v1/auth/login", body=login)
        assert status == 200, (status, body)
        token = json.loads(body)["access_token"]
        mix = [
            ("GET", "/api/v1/courses", None, None, 200),
            ("GET", "/api/v1/me", token, None, 200),
            ("POST", "/api/v1/decks", token, {"title": "rolling"}, 201),
            ("GET", "/api/v1/me", token, None, 200),
            ("GET", "/api/v1/courses", None, None, 200),
            ("POST", "/api/v1/decks", token, {"title": "rolling"}, 201),
            ("GET", "/api/v1/me", token, None, 200),
            ("POST", "/api/v1/auth/login", None, login, 200),
        ]
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        i = 0
        while not self.stop_event.is_set():
            method, path, auth, body, expected = mix[i % len(mix)]
            i += 1
            try:
                status, text = self.request(conn, method, path, auth, body)
                failure = None if status == expected else f"{method} {path}: {status} {text[:200]!r}"
            except (OSError, http.client.HTTPException) as e:
                failure = f"{method} {path}: {type(e).__name__}: {e}"
                conn.close()
            with self.lock:
                if failure:
                    self.failures.append((time.monotonic(), failure))
                else:
                    self.ok += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        conn.close()

    def start(self):
        for n in range(self.clients):
            t = threading.Thread(target=self.client, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)

    def count(self):
        with self.lock:
            return self.ok + len(self.failures)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=25.0, help="requests a second per client")
    parser.add_argument("--drain-seconds", type=int, default=2)
    args = parser.parse_args()

    log = open(os.path.join(args.work, "servers.log"), "ab")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATABASE_URL=args.database_url,
        LMS_DATA_DIR=args.work,
        LMS_JWT_SECRET=secrets.token_urlsafe(48),
        LMS_CERTIFICATE_KEY=secrets.token_urlsafe(48),
        LMS_TRUSTED_PROXIES="127.0.0.1",
        LMS_RATE_LIMIT_PER_MINUTE="1000000",
        LMS_LOGIN_RATE_LIMIT_PER_MINUTE="1000000",
        # HAProxy's checks (every 200 ms, two failures) take an instance out well within it.
        LMS_SHUTDOWN_DRAIN_SECONDS=str(args.drain_seconds),
        LMS_SHUTDOWN_GRACE_SECONDS="20",
        LMS_LOG="warn",
    )
    instances = [Instance(name, args.server_bin, env, log) for name in ("a", "b")]
    for instance in instances:
        instance.start()
    proxy = Proxy(args.work, instances, log)
    load = None
    try:
        proxy.wait_up(["a", "b"])
        load = Load(proxy.port, args.clients, args.rate)
        load.start()
        time.sleep(3)
        before = load.count()
        restarts = []
        for instance in instances:
            started = time.monotonic()
            code = instance.stop()
            stopped = time.monotonic()
            if code != 0:
                sys.exit(f"rolling restart: instance {instance.name} exited {code} on SIGTERM")
            instance.start()
            proxy.wait_up(["a", "b"])
            restarts.append(
                f"{instance.name}: stopped in {stopped - started:.1f} s, back in rotation after "
                f"{time.monotonic() - started:.1f} s"
            )
        during = load.count() - before
        time.sleep(2)
        load.stop()
        for instance in instances:
            instance.proc.send_signal(signal.SIGTERM)
        for instance in instances:
            code = instance.proc.wait(timeout=60)
            if code != 0:
                sys.exit(f"rolling restart: instance {instance.name} exited {code} on SIGTERM")
    finally:
        if load:
            load.stop_event.set()
        proxy.stop()
        for instance in instances:
            if instance.proc and instance.proc.poll() is None:
                instance.proc.kill()
    total = load.ok + len(load.failures)
    print(f"rolling restart: {total} requests ({during} while restarting), {len(load.failures)} failed")
    for line in restarts:
        print(f"  {line}")
    for at, failure in load.failures[:20]:
        print(f"  failed: {failure}")
    if load.failures:
        sys.exit(1)
    if during < 100:
        sys.exit(f"rolling restart: only {during} requests ran during the restarts")


if __name__ == "__main__":
    main()
