"""Webhook delivery end to end against release servers (scripts/webhook-delivery.sh).

Starts a local receiver, one or two lms-server instances on one database, registers a
webhook for `course.created`, creates courses through the instances in turn, and checks
that every event arrives exactly once with a signature the `standardwebhooks` package
verifies. With --kill, a second batch is written and the instance holding the stream is
killed with SIGKILL mid-delivery and restarted: every event must still arrive (at least
once). Exits non-zero on any failure.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

received = []  # (headers dict, body bytes)
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with lock:
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class ReceiverServer(ThreadingHTTPServer):
    # The relay sends up to 64 requests at once; the default backlog of 5 would drop
    # connections (the sender then times out, retries, and the event arrives twice).
    request_queue_size = 1024
    daemon_threads = True


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
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
        return json.loads(text) if text else None


class Instance:
    def __init__(self, binary, env, log):
        self.binary, self.env, self.log = binary, env, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        env = dict(self.env, LMS_BIND=f"127.0.0.1:{self.port}")
        self.proc = subprocess.Popen([self.binary], env=env, stdout=self.log, stderr=self.log)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/health/ready", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    sys.exit(f"FAILED: instance on {self.port} exited at start")
                time.sleep(0.1)
        sys.exit(f"FAILED: instance on {self.port} not ready")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def ids_received():
    with lock:
        return [h.get("webhook-id") for h, _ in received]


def create_courses(instances, token, n, ids=None):
    """Creates n courses through the instances in turn; their ids go into `ids` as they
    are created (so another thread can watch them arrive)."""
    ids = set() if ids is None else ids
    for i in range(n):
        course = call(instances[i % len(instances)].base, "POST", "/api/v1/courses", token,
                      {"title": f"Delivery {i}", "category": "delivery", "difficulty": "beginner"})
        ids.add(course["id"])
    return ids


def course_event_ids(course_ids):
    """The webhook ids of the course.created events of these courses."""
    found = {}
    with lock:
        for headers, body in received:
            event = json.loads(body)
            if event["type"] == "course.created" and event["data"]["course_id"] in course_ids:
                found.setdefault(event["data"]["course_id"], set()).add(headers["webhook-id"])
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--log", default=os.devnull)
    args = parser.parse_args()

    server = ReceiverServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    env = dict(os.environ)
    env.update({
        "LMS_DATABASE_URL": args.database_url,
        "LMS_JWT_SECRET": secrets.token_urlsafe(48),
        "LMS_WEBHOOK_ALLOW_PRIVATE": "true",
        "LMS_RATE_LIMIT_PER_MINUTE": "1000000",
        "LMS_LOGIN_RATE_LIMIT_PER_MINUTE": "1000000",
        "LMS_LOG": "warn",
        "LMS_SHUTDOWN_GRACE_SECONDS": "5",
    })
    log = open(args.log, "ab")
    password = "Delivery-" + secrets.token_urlsafe(12)
    subprocess.run([args.server_bin, "create-admin", "--email", "hooks@example.com", "--password", password],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=log)

    instances = [Instance(args.server_bin, env, log) for _ in range(args.instances)]
    first = instances[0]
    first.start()
    token = call(first.base, "POST", "/api/v1/auth/login", None,
                 {"email": "hooks@example.com", "password": password})["access_token"]
    hook = call(first.base, "POST", "/api/v1/admin/webhooks", token,
                {"url": hook_url, "event_types": ["course.created"]})
    verifier = Webhook(hook["secret"])
    # The first instance takes the stream before the others start.
    warmup = create_courses([first], token, 1)
    if not wait_until(lambda: course_event_ids(warmup), 30):
        sys.exit("FAILED: the first event never arrived")
    for other in instances[1:]:
        other.start()
    failures = []
    try:
        started = time.time()
        batch = create_courses(instances, token, args.events)
        if not wait_until(lambda: len(course_event_ids(batch)) == len(batch), 120):
            failures.append(f"{len(batch) - len(course_event_ids(batch))} of {len(batch)} events never arrived")
        time.sleep(1.0)  # late duplicates, if any, arrive by now
        elapsed = time.time() - started
        counts = Counter(ids_received())
        duplicated = [i for i, n in counts.items() if n > 1]
        if duplicated:
            failures.append(f"{len(duplicated)} events delivered more than once in normal operation")
        print(f"{len(batch)} events written through {len(instances)} instance(s) and delivered in {elapsed:.1f} s; "
              f"{len(duplicated)} duplicates")

        if args.kill:
            # Written through the other instance while the first one, which holds the
            # stream, is killed mid-delivery and restarted.
            batch2 = set()
            writer = threading.Thread(target=create_courses, args=(instances[1:], token, args.events, batch2))
            writer.start()
            wait_until(lambda: len(course_event_ids(set(batch2))) >= args.events // 10, 60)
            first.kill()
            print(f"killed the first instance after {len(course_event_ids(set(batch2)))} deliveries of the second batch")
            first.start()
            writer.join()
            # The killed instance's lease lapses after 30 s; then a survivor delivers from the
            # last committed position.
            if not wait_until(lambda: len(course_event_ids(batch2)) == len(batch2), 120):
                failures.append(f"after the kill, {len(batch2) - len(course_event_ids(batch2))} events were lost")
            print(f"after the kill: {len(course_event_ids(batch2))} of {len(batch2)} events arrived")

        bad = 0
        with lock:
            for headers, body in received:
                try:
                    verifier.verify(body, headers)
                except Exception:
                    bad += 1
            total = len(received)
        if bad:
            failures.append(f"{bad} of {total} signatures did not verify")
        print(f"{total} requests received, {total - bad} signatures verified with standardwebhooks")
    finally:
        for instance in instances:
            instance.stop()
        server.shutdown()
    if failures:
        for failure in failures:
            print("FAILED:", failure)
        sys.exit(1)


def wait_until(condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


if __name__ == "__main__":
    main()
