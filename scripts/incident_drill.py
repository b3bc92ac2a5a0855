"""The database-outage drill (scripts/incident-drill.sh): a release server on PostgreSQL
reached through a TCP relay this script owns, an alert webhook receiver, and the relay
stopped to make the database unreachable to the server, then started again.

Checks, with the server's default alert settings (evaluation every 5 s, the default
"Database unreachable" rule: critical, 10 s):
  - an `incident.opened` notice for that rule reaches the receiver within 30 s of the
    condition having held for the rule's duration (so at most 40 s after the stop), with
    a standard-webhooks signature the `standardwebhooks` package verifies;
  - /status answers during the outage, with the database as a major outage;
  - once the database is back, `incident.resolved` arrives on its own (no one acts), with
    the incident's time to resolve, and /status reports the MTTR and the incident.
Exits non-zero on any failure.
"""

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

RULE = "Database unreachable"
received = []  # (arrival time, headers, body)
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with lock:
            received.append((time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Relay:
    """A TCP relay to PostgreSQL that can be stopped (closing every connection) and
    started again on the same port: to the server, the database goes away and comes back."""

    def __init__(self, port, target):
        self.port, self.target = port, target
        self.listener = None
        self.connections = []
        self.lock = threading.Lock()

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(128)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        listener, self.listener = self.listener, None
        # shutdown() wakes the thread blocked in accept() and stops listening at once;
        # close() alone would leave the socket accepting until that call returns.
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        with self.lock:
            for conn in self.connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def notices(kind, verifier):
    """The verified notices of the database rule of this type received so far."""
    found = []
    with lock:
        snapshot = list(received)
    for at, headers, body in snapshot:
        try:
            payload = verifier.verify(body, headers)
        except Exception as e:  # noqa: BLE001 - any verification failure fails the drill
            fail(f"a notice failed signature verification: {e}")
        if payload["type"] == kind and payload["incident"]["rule"] == RULE:
            found.append((at, payload))
    return found


def wait_for(kind, verifier, deadline):
    while time.monotonic() < deadline:
        found = notices(kind, verifier)
        if found:
            return found[0]
        time.sleep(0.2)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--postgres-host", default="127.0.0.1")
    parser.add_argument("--postgres-port", type=int, default=5432)
    parser.add_argument("--database", required=True, help="an empty database on that server")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    secret = "whsec_" + __import__("base64").b64encode(secrets.token_bytes(32)).decode()
    verifier = Webhook(secret)
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    relay = Relay(free_port(), (args.postgres_host, args.postgres_port))
    relay.start()

    database_url = f"postgres://postgres@127.0.0.1:{relay.port}/{args.database}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        LMS_DATABASE_URL=database_url,
        LMS_BIND=f"127.0.0.1:{port}",
        LMS_LOG=os.environ.get("LMS_LOG", "warn"),
        LMS_ALERT_WEBHOOK_URL=f"http://127.0.0.1:{receiver.server_address[1]}/alerts",
        LMS_ALERT_WEBHOOK_SECRET=secret,
    )
    env.pop("LMS_ALERT_EVALUATION_SECONDS", None)
    password = "drill-" + secrets.token_hex(8)
    email = f"drill-admin-{secrets.token_hex(4)}@example.com"
    log = open(args.log, "w")
    subprocess.run(
        [args.server_bin, "create-admin", "--email", email, "--password", password],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=log,
    )
    server = subprocess.Popen([args.server_bin], env=env, stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                if call(base, "GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            fail("the server did not become ready")
        status, tokens = call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": password})
        if status != 200:
            fail(f"login: {status} {tokens}")
        admin = tokens["access_token"]
        status, rules = call(base, "GET", "/api/v1/admin/alert-rules", token=admin)
        rule = next((r for r in rules if r["name"] == RULE), None) if status == 200 else None
        if not rule or not rule["enabled"] or rule["severity"] != "critical":
            fail(f"the default rule {RULE!r} is missing or not critical: {rules}")
        duration = rule["duration_seconds"]
        # A quiet start: no database incident before the outage.
        time.sleep(3)
        if notices("incident.opened", verifier):
            fail("an incident opened before the outage")

        stopped = time.monotonic()
        relay.stop()
        print(f"  database stopped (the relay to it closed); rule: {RULE}, {duration} s")
        opened = wait_for("incident.opened", verifier, stopped + duration + 30 + 5)
        if opened is None:
            fail(f"no incident.opened notice within {duration} + 30 s of the stop")
        delay = opened[0] - stopped - duration
        incident = opened[1]["incident"]
        print(f"  incident.opened received {opened[0] - stopped:.1f} s after the stop "
              f"({delay:.1f} s after the condition held for {duration} s)")
        if delay > 30:
            fail(f"the notice came {delay:.1f} s after the condition held for its duration (limit 30 s)")
        if (incident["severity"], incident["component"], incident["status"]) != ("critical", "database", "open"):
            fail(f"unexpected incident: {incident}")
        status, page = call(base, "GET", "/status")
        if status != 200 or page["status"] != "major_outage":
            fail(f"/status during the outage: {status} {page}")
        database = next(c for c in page["components"] if c["name"] == "database")
        if database["status"] != "major_outage":
            fail(f"/status does not show the database down: {page}")
        print("  /status during the outage: major_outage, database major_outage")

        restarted = time.monotonic()
        relay.start()
        print("  database back (the relay listens again)")
        resolved = wait_for("incident.resolved", verifier, restarted + 60)
        if resolved is None:
            fail("no incident.resolved notice within 60 s of the restart")
        closed = resolved[1]["incident"]
        if closed["id"] != incident["id"] or closed["status"] != "resolved" or closed["time_to_resolve_seconds"] is None:
            fail(f"unexpected resolution: {closed}")
        print(f"  incident.resolved received {resolved[0] - restarted:.1f} s after the restart, automatically; "
              f"time to resolve {closed['time_to_resolve_seconds']} s")
        deadline = time.monotonic() + 30
        while True:
            status, page = call(base, "GET", "/status")
            listed = status == 200 and any(i["id"] == incident["id"] and i["status"] == "resolved"
                                           for i in page["incidents"])
            if listed and page["mttr_seconds"] is not None and page["status"] == "operational":
                break
            if time.monotonic() > deadline:
                fail(f"/status after the outage: {status} {page}")
            time.sleep(0.5)
        print(f"  /status: operational again, MTTR {page['mttr_seconds']} s, the incident listed")
        status, listed = call(base, "GET", "/api/v1/admin/incidents?status=resolved", token=admin)
        if status != 200 or not any(i["id"] == incident["id"] for i in listed):
            fail(f"the resolved incident is not listed: {status} {listed}")
        print("database outage drill passed")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        receiver.shutdown()


if __name__ == "__main__":
    main()
