#!/usr/bin/env python3
"""Attack run against a live lms-server: re-runs the attacks of the security review and
fails (exit 1) while any of the findings is still present.

Every check starts its own server(s) from --server-bin on a free loopback port, with a
temporary data directory (LMS_DATA_DIR), a temporary SQLite database
(LMS_DATABASE_URL=sqlite:<dir>/lms.db), LMS_LOG=info, LMS_SHUTDOWN_GRACE_SECONDS=1 and
rate limits raised out of the way (LMS_RATE_LIMIT_PER_MINUTE, LMS_LOGIN_RATE_LIMIT_PER_MINUTE);
inherited LMS_* variables are dropped. Each server's stdout/stderr (JSON log lines) goes
to a file whose last lines are printed when a check fails. Python 3.11 standard library
only.

Checks (name: attack; settings the check uses):

  stalled_bodies     600 connections from 127.0.0.2-250 send POST /api/v1/auth/login
                     headers with Content-Length: 100 and 1 body byte, then nothing.
                     GET /api/v1/courses from 127.0.0.1 every 200 ms must be answered
                     (2xx) in < 2 s throughout, and every stalled connection must be
                     closed (EOF, reset, or 408 then EOF) within timeout + 3 s.
                     LMS_BODY_READ_TIMEOUT_SECONDS=3, LMS_HEADER_READ_TIMEOUT_SECONDS=3
  stalled_headers    the same with 600 connections that never finish their headers
                     (one more byte per second). Same settings.
  per_address_cap    200 idle connections from 127.0.0.1 alone: at most 64 stay open,
                     the rest are closed at once; 127.0.0.2 is still served.
                     LMS_MAX_CONNECTIONS_PER_ADDRESS=64 (header/body timeouts 30 s)
  big_body           a small register body with an undeclared field ("role") -> 422;
                     100 concurrent POST /api/v1/auth/register of 2 MB of undeclared
                     fields -> each 413/422 within 2 s; server RSS grows < 100 MiB.
                     default LMS_MAX_BODY_BYTES
  text_input         display names with U+202E / U+200B, an email with a Cyrillic
                     letter in its domain, passwords Password1 / Example1, a course title
                     with U+202E -> 422 (weak_password in details for the passwords);
                     valid input -> 201 (controls). Admin from `lms-server create-admin`.
  tokens             hand-signed HS256 tokens for a real user and session: nbf in the
                     future, exp in 2100, no aud, wrong aud, wrong iss -> 401 on
                     GET /api/v1/me; a well-formed one -> 200. Issued tokens carry aud and
                     nbf. Then LMS_JWT_SECRETS=new,old: the old token still works, a new
                     login's token is signed with new. LMS_JWT_SECRET (random 48 chars)
  default_key        no secret configured: a token signed with the former built-in
                     development secret -> 401 on PATCH /api/v1/admin/users/{id} and
                     GET /api/v1/me; $LMS_DATA_DIR/jwt-secret exists, mode 0600, >= 32
                     chars, signs accepted tokens, and survives a restart;
                     LMS_ENV=staging without a secret exits non-zero.
  demoted_admin      two servers on one SQLite file (same LMS_JWT_SECRET): right after
                     admin A (instance 1) demotes admin B and an instructor, their old
                     tokens are refused on instance 2 (401/403) for admin actions and
                     course creation.
  ops_endpoints      LMS_ENV=production (LMS_JWT_SECRET, LMS_ALLOWED_ORIGINS,
                     LMS_OPS_TOKEN): /metrics and /health/detailed -> 401 envelope without
                     the ops token, 200 with it; /health, /health/live, /health/ready open;
                     with LMS_OPS_BIND, /metrics is served there without a token.
  client_ip_logs     the access log ("request") and the failed-login security log carry
                     client_ip: the socket address; a forged X-Forwarded-For is ignored;
                     with LMS_TRUSTED_PROXIES=127.0.0.1 the rightmost untrusted
                     X-Forwarded-For address is used. LMS_LOG=info
  cors_and_framing   Vary: Origin on CORS answers (LMS_ALLOWED_ORIGINS); 150 headers or
                     a 70,000-byte header -> 431 envelope HEADERS_TOO_LARGE; a malformed
                     request line -> 400 envelope.
  ready_saturation   LMS_MAX_IN_FLIGHT_REQUESTS=2 and a burst of concurrent logins
                     (argon2 makes each slow): /health/ready must answer 503 (envelope,
                     details mention saturation) at least once during the burst, 200
                     after. SKIP if the burst cannot saturate the server.

Usage: scripts/attack.py --server-bin PATH [--keep-temp] [--list] [CHECK ...]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import resource
import secrets
import select
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor

# The JWT secret that used to be written in the source (settings.rs); it must sign nothing.
OLD_DEV_SECRET = "lms-development-secret-do-not-use-in-production"
ORIGIN = "https://app.example.org"
MIB = 1024 * 1024
# Loopback source addresses for attacks spread over many clients.
SPREAD_SOURCES = [f"127.0.0.{x}" for x in range(2, 251)]


# ------------------------------------------------------------------------ results


class CheckError(Exception):
    """The check cannot go on (setup failed, server did not start, …)."""


class SkipCheck(Exception):
    """The check cannot be made meaningful here."""


class CheckTimeout(BaseException):
    """The watchdog fired: the check ran far longer than it may."""


class Reporter:
    """Collects the PASS/FAIL lines of one check."""

    def __init__(self, name: str, finding: str):
        self.name = name
        self.finding = finding
        self.failures: list[str] = []

    def ok(self, message: str) -> None:
        print(f"  PASS {message}", flush=True)

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"  FAIL [{self.name}: {self.finding}] {message}", flush=True)

    def expect(self, condition: bool, passed: str, failed: str) -> bool:
        if condition:
            self.ok(passed)
        else:
            self.fail(failed)
        return condition

    def note(self, message: str) -> None:
        print(f"  note {message}", flush=True)


# ------------------------------------------------------------------------ HTTP


class Response:
    """A parsed HTTP response."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, elapsed: float):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def envelope(self) -> dict | None:
        """The `error` object when the body is the documented error envelope."""
        doc = self.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
            return None
        error = doc["error"]
        if not all(k in error for k in ("code", "message", "details", "timestamp", "request_id")):
            return None
        return error

    def code(self) -> str | None:
        env = self.envelope()
        return env.get("code") if env else None

    def describe(self) -> str:
        text = self.body[:300].decode("utf-8", "replace")
        return f"HTTP {self.status} {text!r}"


class HttpError(Exception):
    """No (complete) response: timeout, refused, closed without answering."""


def build_request(method: str, path: str, headers=None, body: bytes | None = None, host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    for name, value in (headers.items() if isinstance(headers, dict) else (headers or [])):
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def parse_response(buf: bytes, eof: bool) -> Response | None:
    """The response in `buf` if complete (or, at EOF, as much of it as arrived)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/\d(?:\.\d)? (\d{3}) ?(.*)", head[0])
    if not match:
        return None
    status, reason = int(match.group(1)), match.group(2)
    headers = []
    for line in head[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    rest = buf[end + 4 :]
    if 100 <= status < 200:
        return parse_response(rest, eof)
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        body, pos = b"", 0
        while True:
            nl = rest.find(b"\r\n", pos)
            if nl < 0:
                break
            try:
                size = int(rest[pos:nl].split(b";")[0], 16)
            except ValueError:
                break
            if size == 0:
                return Response(status, reason, headers, body, 0.0)
            if len(rest) < nl + 2 + size + 2:
                break
            body += rest[nl + 2 : nl + 2 + size]
            pos = nl + 2 + size + 2
        return Response(status, reason, headers, body, 0.0) if eof else None
    if "content-length" in lower:
        try:
            length = int(lower["content-length"])
        except ValueError:
            length = 0
        if len(rest) >= length:
            return Response(status, reason, headers, rest[:length], 0.0)
        return Response(status, reason, headers, rest, 0.0) if eof else None
    if status in (204, 304):
        return Response(status, reason, headers, b"", 0.0)
    return Response(status, reason, headers, rest, 0.0) if eof else None


def exchange(addr: tuple[str, int], raw: bytes, timeout: float = 10.0, source: str | None = None) -> Response:
    """Sends `raw` and reads one response. Reads while sending, so a server that answers
    before the whole request arrived (413, 431) is heard; every wait is bounded."""
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = socket.create_connection(addr, timeout=timeout, source_address=(source, 0) if source else None)
    except OSError as e:
        raise HttpError(f"connect to {addr[0]}:{addr[1]} failed: {e}") from e
    try:
        sock.setblocking(False)
        sent, buf, eof = 0, b"", False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HttpError(f"no complete response within {timeout:.1f} s (got {buf[:120]!r})")
            want_write = [sock] if sent < len(raw) else []
            readable, writable, _ = select.select([sock], want_write, [], min(remaining, 0.5))
            if readable:
                try:
                    data = sock.recv(65536)
                except (ConnectionResetError, BrokenPipeError):
                    data, eof = b"", True
                if data:
                    buf += data
                else:
                    eof = True
                resp = parse_response(buf, eof)
                if resp is not None:
                    resp.elapsed = time.monotonic() - started
                    return resp
                if eof:
                    raise HttpError(
                        "connection closed without a response" if not buf else f"incomplete response {buf[:200]!r}"
                    )
                continue
            if writable:
                try:
                    sent += sock.send(raw[sent : sent + 256 * 1024])
                except (BrokenPipeError, ConnectionResetError):
                    sent = len(raw)  # the server stopped listening; read what it said
                except BlockingIOError:
                    pass
    finally:
        sock.close()


def request(
    addr: tuple[str, int],
    method: str,
    path: str,
    body=None,
    token: str | None = None,
    headers: dict | None = None,
    timeout: float = 15.0,
    source: str | None = None,
) -> Response:
    """One request; `body` may be a JSON-able object or raw bytes."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json")
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    return exchange(addr, build_request(method, path, hdrs, data), timeout=timeout, source=source)


async def aexchange(port: int, raw: bytes, timeout: float, source: str | None = None) -> Response:
    """Async version of `exchange` for small requests."""
    started = time.monotonic()

    async def run() -> Response:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0) if source else None
        )
        try:
            writer.write(raw)
            await writer.drain()
            buf = b""
            while True:
                try:
                    data = await reader.read(65536)
                except ConnectionResetError:
                    data = b""
                buf += data
                resp = parse_response(buf, not data)
                if resp is not None:
                    resp.elapsed = time.monotonic() - started
                    return resp
                if not data:
                    raise HttpError("connection closed without a response")
        finally:
            writer.transport.abort()

    try:
        return await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        raise HttpError(f"no response within {timeout:.1f} s") from None
    except OSError as e:
        raise HttpError(f"{type(e).__name__}: {e}") from e


# ------------------------------------------------------------------------ JWT


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_jwt(claims: dict, key: str) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def jwt_payload(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def jwt_signed_with(token: str, key: str) -> bool:
    header, payload, signature = token.split(".")
    expected = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(expected, b64url_decode(signature))


def claims(sub: str, sid: str, role: str, **overrides) -> dict:
    """Well-formed access-token claims (valid for 10 minutes); an override of None drops
    the claim."""
    now = int(time.time())
    c = {"sub": sub, "role": role, "sid": sid, "iat": now, "nbf": now, "exp": now + 600, "iss": "lms", "aud": "lms-api"}
    c.update(overrides)
    return {k: v for k, v in c.items() if v is not None}


# ------------------------------------------------------------------------ helpers


def random_secret(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def strong_password() -> str:
    return f"Qz{secrets.token_hex(6)}Lm7"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(5)}@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_values(obj, key: str) -> list:
    """Every value of `key` anywhere in a parsed JSON document."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                found.append(v)
            found.extend(find_values(v, key))
    elif isinstance(obj, list):
        for v in obj:
            found.extend(find_values(v, key))
    return found


def log_message(record: dict) -> str | None:
    fields = record.get("fields")
    if isinstance(fields, dict) and "message" in fields:
        return fields["message"]
    return record.get("message")


def ip_of(value) -> str:
    """The address part of "1.2.3.4", "1.2.3.4:5678" or "[::1]:80"."""
    text = str(value).strip()
    if text.startswith("["):
        return text[1 : text.find("]")]
    if text.count(":") == 1:
        return text.split(":")[0]
    return text


def raise_fd_limit(wanted: int = 8192) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# ------------------------------------------------------------------------ servers


class Server:
    """One lms-server process on a free loopback port with its own log file."""

    running: list["Server"] = []

    def __init__(self, binary: str, workdir: str, name: str, env: dict | None = None,
                 data_dir: str | None = None, database_url: str | None = None):
        self.binary = binary
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
        self.data_dir = data_dir or os.path.join(self.dir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.database_url = database_url or f"sqlite:{self.data_dir}/lms.db"
        self.extra_env = dict(env or {})
        self.log_path = os.path.join(self.dir, "server.log")
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def addr(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(
            LMS_DATA_DIR=self.data_dir,
            LMS_DATABASE_URL=self.database_url,
            LMS_BIND=f"127.0.0.1:{self.port}",
            LMS_LOG="info",
            LMS_SHUTDOWN_GRACE_SECONDS="1",
            LMS_RATE_LIMIT_PER_MINUTE="1000000",
            LMS_LOGIN_RATE_LIMIT_PER_MINUTE="1000000",
        )
        for k, v in self.extra_env.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def start(self, wait: bool = True, ready_timeout: float = 30.0) -> "Server":
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                log.write(f"--- start {self.name} on port {self.port}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    [self.binary], env=self.env(), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )
            Server.running.append(self)
            if not wait:
                return self
            if self.wait_ready(ready_timeout):
                return self
            exited = self.proc.poll() is not None
            self.stop()
            if exited and "in use" in self.tail(5).lower():
                continue  # the free port was taken meanwhile: try another
            raise CheckError(f"server {self.name} did not become ready ({'exited' if exited else 'timeout'})")
        raise CheckError(f"server {self.name} could not bind a port")

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                if request(self.addr, "GET", "/health/ready", timeout=2).status == 200:
                    return True
            except HttpError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if self in Server.running:
            Server.running.remove(self)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self, env_changes: dict | None = None) -> "Server":
        self.stop()
        self.extra_env.update(env_changes or {})
        return self.start()

    def status_kib(self, field: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_records(self, since: int = 0) -> list[dict]:
        with open(self.log_path, "rb") as f:
            f.seek(since)
            data = f.read()
        records = []
        for line in data.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
        return records

    def wait_log(self, predicate, since: int = 0, timeout: float = 3.0) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            for record in self.log_records(since):
                if predicate(record):
                    return record
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def create_admin(self, email: str, password: str, name: str = "Administrator") -> str:
        """`lms-server create-admin` against this server's database; the new user's id."""
        result = subprocess.run(
            [self.binary, "create-admin", "--email", email, "--password", password, "--name", name],
            env=self.env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        )
        out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
        match = re.search(r"\(id ([0-9a-fA-F-]{36})\)", out)
        if result.returncode != 0 or not match:
            raise CheckError(f"create-admin {email} failed (exit {result.returncode}): {out.strip()[-500:]}")
        return match.group(1)

    def login(self, email: str, password: str) -> dict:
        resp = request(self.addr, "POST", "/api/v1/auth/login", {"email": email, "password": password})
        if resp.status != 200 or not isinstance(resp.json(), dict) or "access_token" not in resp.json():
            raise CheckError(f"login {email} on {self.name}: {resp.describe()}")
        return resp.json()

    def register(self, email: str, password: str, name: str = "Attack User") -> Response:
        return request(self.addr, "POST", "/api/v1/auth/register",
                       {"email": email, "password": password, "display_name": name})


class Context:
    """Shared by the checks: the binary, the temp dir, the servers of the running check."""

    def __init__(self, binary: str, workdir: str):
        self.binary = binary
        self.workdir = workdir
        self.servers: list[Server] = []

    def server(self, name: str, env: dict | None = None, data_dir: str | None = None,
               database_url: str | None = None) -> Server:
        srv = Server(self.binary, self.workdir, name, env, data_dir, database_url)
        self.servers.append(srv)
        return srv


def stop_all() -> None:
    for srv in list(Server.running):
        try:
            srv.stop()
        except Exception:  # noqa: BLE001 - cleanup must go on
            pass


# ------------------------------------------------------------------------ stall attacks


class Stalled:
    """One attacking connection: when its bytes went out and when the server ended it."""

    def __init__(self, source: str):
        self.source = source
        self.writer: asyncio.StreamWriter | None = None
        self.sent_at: float | None = None
        self.closed_at: float | None = None
        self.data = b""
        self.error: str | None = None
        self.task: asyncio.Task | None = None

    def answer(self) -> Response | None:
        return parse_response(self.data, True) if self.data else None


async def _watch(conn: Stalled, reader: asyncio.StreamReader) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            conn.data += data
    except (ConnectionResetError, BrokenPipeError, OSError):
        pass
    conn.closed_at = time.monotonic()


async def open_stalled(port: int, sources: list[str], count: int, first: bytes, concurrency: int = 100) -> list[Stalled]:
    """Opens `count` connections round-robin over `sources` and sends `first` on each."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> Stalled:
        conn = Stalled(sources[i % len(sources)])
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, local_addr=(conn.source, 0)), 5)
            except (OSError, asyncio.TimeoutError) as e:
                conn.error = f"connect: {type(e).__name__}: {e}"
                return conn
            conn.writer = writer
            conn.task = asyncio.create_task(_watch(conn, reader))
            try:
                writer.write(first)
                await asyncio.wait_for(writer.drain(), 5)
            except (OSError, asyncio.TimeoutError):
                pass  # a reset here shows as a closed connection
            conn.sent_at = time.monotonic()
        return conn

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def close_stalled(conns: list[Stalled]) -> None:
    for conn in conns:
        if conn.task and not conn.task.done():
            conn.task.cancel()
        if conn.writer:
            conn.writer.transport.abort()
    await asyncio.sleep(0)


class Prober:
    """Sends GET /api/v1/courses from 127.0.0.1 every `every` seconds (a new connection
    each time) and records how each went."""

    def __init__(self, port: int, every: float = 0.2, limit: float = 2.0):
        self.port = port
        self.every = every
        self.limit = limit
        self.results: list[tuple[float, str | None, float]] = []  # (start, problem, seconds)
        self.tasks: list[asyncio.Task] = []
        self.runner: asyncio.Task | None = None

    async def _probe(self) -> None:
        started = time.monotonic()
        raw = build_request("GET", "/api/v1/courses")
        try:
            resp = await aexchange(self.port, raw, timeout=self.limit)
            elapsed = time.monotonic() - started
            problem = None
            if not 200 <= resp.status < 300:
                problem = f"HTTP {resp.status}"
            elif elapsed >= self.limit:
                problem = f"answered after {elapsed:.2f} s"
        except HttpError as e:
            elapsed = time.monotonic() - started
            problem = str(e)
        self.results.append((started, problem, elapsed))

    async def _run(self) -> None:
        while True:
            self.tasks.append(asyncio.create_task(self._probe()))
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self.runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.runner:
            self.runner.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def report(self, t: Reporter, what: str) -> None:
        bad = [(s, p, e) for s, p, e in self.results if p]
        worst = max((e for _, _, e in self.results), default=0.0)
        t.expect(
            bool(self.results) and not bad,
            f"normal GET /api/v1/courses answered (2xx, < {self.limit:.0f} s) throughout {what} "
            f"({len(self.results)} probes, slowest {worst:.2f} s)",
            f"normal GET /api/v1/courses not served during {what}: {len(bad)} of {len(self.results)} probes "
            f"failed (first: {bad[0][1] if bad else 'no probes ran'})",
        )


async def stall_attack(port: int, first: bytes, timeout: int, trickle: bool, count: int = 600) -> tuple[list[Stalled], Prober]:
    """Opens `count` stalled connections while probing normal requests; returns once every
    connection is closed and at least timeout + 2 s passed, or timeout + 3.5 s after the
    last connection was opened."""
    prober = Prober(port)
    prober.start()
    conns = await open_stalled(port, SPREAD_SOURCES, count, first)
    sent = [c.sent_at for c in conns if c.sent_at is not None]
    first_sent = min(sent, default=time.monotonic())
    last_sent = max(sent, default=time.monotonic())

    async def trickler() -> None:
        while True:
            await asyncio.sleep(1.0)
            for conn in conns:
                if conn.writer and conn.closed_at is None:
                    try:
                        conn.writer.write(b"a")
                    except (OSError, RuntimeError):
                        pass

    trickle_task = asyncio.create_task(trickler()) if trickle else None
    while True:
        now = time.monotonic()
        all_closed = all(c.closed_at is not None for c in conns if c.sent_at is not None)
        if (all_closed and now - first_sent >= timeout + 2) or now - last_sent >= timeout + 3.5:
            break
        await asyncio.sleep(0.1)
    if trickle_task:
        trickle_task.cancel()
    await prober.stop()
    await close_stalled(conns)
    return conns, prober


def report_stall_closures(t: Reporter, conns: list[Stalled], timeout: int, what: str) -> None:
    opened = [c for c in conns if c.sent_at is not None]
    failed_open = len(conns) - len(opened)
    limit = timeout + 3
    in_time, late, open_, wrong = [], 0, 0, []
    for c in opened:
        if c.closed_at is None:
            open_ += 1
            continue
        took = c.closed_at - c.sent_at
        answer = c.answer()
        if c.data and (answer is None or answer.status != 408):
            wrong.append(answer.describe() if answer else repr(c.data[:80]))
        elif took <= limit:
            in_time.append(took)
        else:
            late += 1
    answered_408 = sum(1 for c in opened if c.answer() is not None and c.answer().status == 408)
    t.expect(failed_open <= len(conns) // 20,
             f"{len(opened)} of {len(conns)} {what} connections opened",
             f"the attack could not be mounted: {failed_open} of {len(conns)} connections failed to open "
             f"({next((c.error for c in conns if c.error), '')})")
    t.expect(
        bool(opened) and len(in_time) == len(opened),
        f"all {len(opened)} {what} connections closed by the server within {limit} s "
        f"(slowest {max(in_time, default=0):.2f} s; {answered_408} answered 408 first)",
        f"{what} connections not closed within timeout + 3 s = {limit} s: {open_} still open, {late} closed late, "
        f"{len(wrong)} answered other than 408 ({wrong[0] if wrong else '-'}); closed in time: {len(in_time)} "
        f"of {len(opened)}, slowest {max(in_time, default=0):.2f} s",
    )


# ------------------------------------------------------------------------ checks


def check_stalled_bodies(t: Reporter, ctx: Context) -> None:
    timeout = 3
    srv = ctx.server("stalled-bodies", {
        "LMS_BODY_READ_TIMEOUT_SECONDS": str(timeout),
        "LMS_HEADER_READ_TIMEOUT_SECONDS": str(timeout),
    }).start()
    first = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 100\r\n\r\n{")
    conns, prober = asyncio.run(stall_attack(srv.port, first, timeout, trickle=False))
    prober.report(t, "600 stalled request bodies")
    report_stall_closures(t, conns, timeout, "stalled-body")


def check_stalled_headers(t: Reporter, ctx: Context) -> None:
    timeout = 3
    srv = ctx.server("stalled-headers", {
        "LMS_BODY_READ_TIMEOUT_SECONDS": str(timeout),
        "LMS_HEADER_READ_TIMEOUT_SECONDS": str(timeout),
    }).start()
    first = b"GET /api/v1/courses HTTP/1.1\r\nHost: x\r\n"
    conns, prober = asyncio.run(stall_attack(srv.port, first, timeout, trickle=True))
    prober.report(t, "600 never-ending request headers")
    report_stall_closures(t, conns, timeout, "stalled-header")


def check_per_address_cap(t: Reporter, ctx: Context) -> None:
    cap = 64
    srv = ctx.server("per-address-cap", {
        "LMS_MAX_CONNECTIONS_PER_ADDRESS": str(cap),
        "LMS_HEADER_READ_TIMEOUT_SECONDS": "30",
        "LMS_BODY_READ_TIMEOUT_SECONDS": "30",
    }).start()

    async def attack():
        conns = await open_stalled(srv.port, ["127.0.0.1"], 200, b"GET /api/v1/cou", concurrency=20)
        await asyncio.sleep(1.5)
        still_open = [c for c in conns if c.sent_at is not None and c.closed_at is None]
        failed = [c for c in conns if c.sent_at is None]
        try:
            other = await aexchange(srv.port, build_request("GET", "/api/v1/courses"), 2.0, source="127.0.0.2")
            other_problem = None if 200 <= other.status < 300 else other.describe()
        except HttpError as e:
            other_problem = str(e)
        await close_stalled(conns)
        return conns, still_open, failed, other_problem

    conns, still_open, failed, other_problem = asyncio.run(attack())
    closed = len(conns) - len(still_open)
    t.expect(len(still_open) <= cap + 2,
             f"{len(still_open)} of 200 connections from 127.0.0.1 stay open (cap {cap}); {closed} closed at once",
             f"{len(still_open)} of 200 idle connections from one address stay open 1.5 s after connecting "
             f"(LMS_MAX_CONNECTIONS_PER_ADDRESS={cap}; {len(failed)} failed to connect)")
    if len(still_open) <= cap + 2:
        # Not vacuous: the connections under the cap must be kept (header timeout is 30 s here).
        t.expect(len(still_open) >= cap - 8, "the connections under the cap are kept",
                 f"only {len(still_open)} of 200 connections stay open: connections under the cap of {cap} "
                 f"are closed too")
    t.expect(other_problem is None, "a normal request from 127.0.0.2 is answered meanwhile",
             f"a normal request from 127.0.0.2 was not served: {other_problem}")


def check_big_body(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("big-body").start()
    password = strong_password()
    small = request(srv.addr, "POST", "/api/v1/auth/register", {
        "email": unique_email("massassign"), "password": password, "display_name": "Mass Assign", "role": "admin",
    })
    t.expect(small.status == 422 and small.code() == "VALIDATION_ERROR",
             "a register body with an undeclared field (role) -> 422 VALIDATION_ERROR",
             f"undeclared JSON field \"role\" on register not refused with 422 VALIDATION_ERROR: "
             f"{small.describe()}")

    request(srv.addr, "GET", "/api/v1/courses")  # warm up
    rss_before = srv.status_kib("VmRSS")
    hwm_before = srv.status_kib("VmHWM")
    size = 2_000_000
    filler = ",".join(f'"f{i:05d}":"{"x" * 990}"' for i in range(size // 1000 + 1))

    def body(i: int) -> bytes:
        head = json.dumps({"email": f"big{i}-{secrets.token_hex(4)}@example.com", "password": password,
                           "display_name": "Big Body"})[:-1]
        return (head + "," + filler)[: size - 1].rsplit(",", 1)[0].encode() + b"}"

    bodies = [body(i) for i in range(100)]
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                samples.append(srv.status_kib("VmRSS"))
            except (OSError, AttributeError):
                return
            time.sleep(0.05)

    def send(b: bytes):
        try:
            return request(srv.addr, "POST", "/api/v1/auth/register", b, timeout=20)
        except HttpError as e:
            return e

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(send, bodies))
    time.sleep(0.3)
    stop.set()
    sampler.join(2)
    hwm_after = srv.status_kib("VmHWM")
    peak = max(samples + [srv.status_kib("VmRSS")])
    if hwm_after > hwm_before:
        peak = max(peak, hwm_after)

    statuses: dict[str, int] = {}
    slow = 0
    for r in results:
        key = f"HTTP {r.status}" if isinstance(r, Response) else f"error ({r})"[:80]
        statuses[key] = statuses.get(key, 0) + 1
        if isinstance(r, Response) and r.elapsed >= 2.0:
            slow += 1
    good = sum(1 for r in results if isinstance(r, Response) and r.status in (413, 422) and r.elapsed < 2.0)
    t.expect(good == len(results),
             f"100 concurrent 2 MB register bodies -> {statuses}, all within 2 s",
             f"2 MB bodies of undeclared fields not refused quickly: {good} of {len(results)} got 413/422 within 2 s; "
             f"answers {statuses}, {slow} took >= 2 s")
    growth = (peak - rss_before) / 1024
    t.expect(growth < 100,
             f"server RSS grew {growth:.0f} MiB (before {rss_before / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB)",
             f"server RSS grew {growth:.0f} MiB (>= 100 MiB) under 100 x 2 MB bodies "
             f"(before {rss_before / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB)")


def check_text_input(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("text-input").start()
    password = strong_password()

    def refused(resp: Response, what: str, need: str | None = None) -> None:
        ok = resp.status == 422 and resp.code() == "VALIDATION_ERROR"
        if ok and need:
            ok = need in json.dumps(resp.envelope().get("details"))
        t.expect(ok, f"{what} -> 422 VALIDATION_ERROR{f' ({need})' if need else ''}",
                 f"{what} accepted or wrongly refused: {resp.describe()}")

    refused(srv.register(unique_email("bidi"), password, "Eve \u202egnp.exe"), "display name with U+202E")
    refused(srv.register(unique_email("zwsp"), password, "Zero\u200bWidth"), "display name with U+200B")
    refused(srv.register(f"ada-{secrets.token_hex(4)}@ex\u0430mple.com", password, "Ada"),
            "email ada@ex\u0430mple.com (Cyrillic U+0430 in the domain)")
    refused(srv.register(unique_email("weak1"), "Password1", "Weak One"), "password Password1", "weak_password")
    refused(srv.register(unique_email("weak2"), "Example1", "Weak Two"), "password Example1", "weak_password")
    control = srv.register(unique_email("plain"), password, "Plain Name")
    t.expect(control.status == 201, "control: a plain registration -> 201",
             f"control registration failed, so the checks above prove nothing: {control.describe()}")

    admin_email = unique_email("admin")
    srv.create_admin(admin_email, password)
    token = srv.login(admin_email, password)["access_token"]
    course = {"description": "x", "category": "testing", "difficulty": "beginner"}
    refused(request(srv.addr, "POST", "/api/v1/courses", {"title": "Intro \u202elave", **course}, token=token),
            "course title with U+202E")
    ok = request(srv.addr, "POST", "/api/v1/courses", {"title": "Intro course", **course}, token=token)
    t.expect(ok.status == 201, "control: a plain course title -> 201",
             f"control course creation failed, so the title check proves nothing: {ok.describe()}")


def check_tokens(t: Reporter, ctx: Context) -> None:
    old_key = random_secret(48)
    srv = ctx.server("tokens", {"LMS_JWT_SECRET": old_key}).start()
    email, password = unique_email("tokadmin"), strong_password()
    srv.create_admin(email, password)
    issued = srv.login(email, password)["access_token"]
    payload = jwt_payload(issued)
    sub, sid, role = payload.get("sub"), payload.get("sid"), payload.get("role")
    t.expect(payload.get("aud") == "lms-api" and "nbf" in payload and payload.get("iss") == "lms",
             f"issued token carries iss lms, aud lms-api and nbf",
             f"issued access token lacks the claims of the contract (aud lms-api, nbf): {payload}")
    lifetime = payload.get("exp", 0) - payload.get("iat", 0)
    t.expect(0 < lifetime <= 15 * 60, f"issued token lives {lifetime} s",
             f"issued token lives {lifetime} s, not within the 15-minute access lifetime")

    # Each attack in two shapes: the contract's claims (aud, nbf) and the claims servers
    # issued before the fix (no aud, no nbf). Both must be refused; the well-formed control
    # must pass, or the refusals prove nothing.
    now = int(time.time())
    control = request(srv.addr, "GET", "/api/v1/me", token=sign_jwt(claims(sub, sid, role), old_key))
    control_ok = t.expect(control.status == 200, "control: a well-formed hand-signed token -> 200 on GET /api/v1/me",
                          f"a well-formed hand-signed token (iat=nbf=now, exp=now+600, iss lms, aud lms-api) is "
                          f"refused, so the refusals below prove nothing: {control.describe()}")
    legacy = {"aud": None, "nbf": None}
    cases = [
        ("nbf 10 minutes in the future", claims(sub, sid, role, nbf=now + 600)),
        ("nbf 10 minutes in the future, no aud", claims(sub, sid, role, aud=None, nbf=now + 600)),
        ("exp in the year 2100", claims(sub, sid, role, exp=4102444800)),
        ("exp in the year 2100, no aud/nbf", claims(sub, sid, role, exp=4102444800, **legacy)),
        ("no aud claim", claims(sub, sid, role, aud=None)),
        ("no aud and no nbf (the pre-fix token shape)", claims(sub, sid, role, **legacy)),
        ("aud other-api", claims(sub, sid, role, aud="other-api")),
        ("iss attacker", claims(sub, sid, role, iss="attacker")),
    ]
    for what, c in cases:
        resp = request(srv.addr, "GET", "/api/v1/me", token=sign_jwt(c, old_key))
        if resp.status == 401 and not control_ok:
            t.note(f"hand-signed token, {what} -> 401, inconclusive (the control was refused too)")
            continue
        t.expect(resp.status == 401, f"hand-signed token, {what} -> 401 on GET /api/v1/me",
                 f"hand-signed token, {what}: expected 401 on GET /api/v1/me, got {resp.describe()}")

    new_key = random_secret(48)
    srv.restart({"LMS_JWT_SECRET": None, "LMS_JWT_SECRETS": f"{new_key},{old_key}"})
    resp = request(srv.addr, "GET", "/api/v1/me", token=issued)
    t.expect(resp.status == 200, "after rotation (LMS_JWT_SECRETS=new,old) a token signed with old still works",
             f"after rotation to LMS_JWT_SECRETS=new,old, the token signed with old is refused: {resp.describe()}")
    fresh = srv.login(email, password)["access_token"]
    signed_new, signed_old = jwt_signed_with(fresh, new_key), jwt_signed_with(fresh, old_key)
    t.expect(signed_new and not signed_old, "a new login's token is signed with the new key only",
             f"a new login's token after rotation is not signed with the new key (new: {signed_new}, old: {signed_old})")
    resp = request(srv.addr, "GET", "/api/v1/me", token=fresh)
    t.expect(resp.status == 200, "the new login's token works",
             f"the new login's token is refused after rotation: {resp.describe()}")


def check_default_key(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("default-key").start()
    # Tokens in the contract's shape (aud, nbf) and in the pre-fix shape (neither).
    shapes = {"contract-shaped": {}, "pre-fix-shaped": {"aud": None, "nbf": None}}
    for shape, extra in shapes.items():
        forged = sign_jwt(claims(str(uuid.uuid4()), str(uuid.uuid4()), "admin", **extra), OLD_DEV_SECRET)
        resp = request(srv.addr, "PATCH", f"/api/v1/admin/users/{uuid.uuid4()}", {"role": "admin"}, token=forged)
        t.expect(resp.status == 401,
                 f"{shape} token signed with the old source secret -> 401 on PATCH /api/v1/admin/users/{{id}}",
                 f"{shape} admin token signed with the old source secret (made-up user and session) is not refused "
                 f"as unauthenticated on PATCH /api/v1/admin/users/{{id}}: {resp.describe()}")
        resp = request(srv.addr, "GET", "/api/v1/me", token=forged)
        t.expect(resp.status == 401, f"{shape} token signed with the old source secret -> 401 on GET /api/v1/me",
                 f"{shape} token signed with the old source secret is not refused on GET /api/v1/me: "
                 f"{resp.describe()}")

    key_path = os.path.join(srv.data_dir, "jwt-secret")
    key = None
    if t.expect(os.path.isfile(key_path), f"{key_path} exists",
                f"no generated key file $LMS_DATA_DIR/jwt-secret after a start without LMS_JWT_SECRET"):
        mode = os.stat(key_path).st_mode & 0o777
        t.expect(mode == 0o600, "jwt-secret has mode 0600", f"jwt-secret has mode {mode:o}, not 600")
        with open(key_path, encoding="utf-8", errors="replace") as f:
            key = f.read().strip()
        t.expect(len(key) >= 32 and key != OLD_DEV_SECRET, f"jwt-secret holds {len(key)} characters",
                 f"jwt-secret holds a weak key ({len(key)} characters{', the old source secret' if key == OLD_DEV_SECRET else ''})")

    email, password = unique_email("keyadmin"), strong_password()
    srv.create_admin(email, password)
    payload = jwt_payload(srv.login(email, password)["access_token"])
    for shape, extra in shapes.items():
        forged = sign_jwt(claims(payload["sub"], payload["sid"], payload["role"], **extra), OLD_DEV_SECRET)
        resp = request(srv.addr, "GET", "/api/v1/me", token=forged)
        t.expect(resp.status == 401,
                 f"{shape} token signed with the old source secret for a real admin session -> 401",
                 f"{shape} token signed with the old source secret for the real admin's user and session is "
                 f"accepted on GET /api/v1/me: {resp.describe()}")
    if key:
        own = sign_jwt(claims(payload["sub"], payload["sid"], payload["role"]), key)
        resp = request(srv.addr, "GET", "/api/v1/me", token=own)
        t.expect(resp.status == 200, "a token signed with the file's key for a real session -> 200 (control)",
                 f"a token signed with the generated key is refused, so the key file is not the signing key: "
                 f"{resp.describe()}")
        srv.restart()
        with open(key_path, encoding="utf-8", errors="replace") as f:
            again = f.read().strip()
        t.expect(again == key, "the key file is unchanged by a restart",
                 "the generated key changed on restart (sessions would all be logged out)")
        resp = request(srv.addr, "GET", "/api/v1/me", token=own)
        t.expect(resp.status == 200, "after a restart the same key still verifies tokens",
                 f"after a restart the generated key no longer verifies tokens: {resp.describe()}")

    staging = ctx.server("staging-no-secret", {"LMS_ENV": "staging", "LMS_ALLOWED_ORIGINS": ORIGIN}).start(wait=False)
    deadline = time.monotonic() + 8
    while staging.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    code = staging.proc.poll()
    staging.stop()
    t.expect(code not in (None, 0), f"LMS_ENV=staging without a secret exits with status {code}",
             "LMS_ENV=staging without LMS_JWT_SECRET started (still running after 8 s)" if code is None
             else f"LMS_ENV=staging without LMS_JWT_SECRET exited with status 0")
    if code not in (None, 0) and "JWT" not in staging.tail(10).upper():
        t.note(f"the staging refusal does not mention the JWT secret: {staging.tail(3)}")


def check_demoted_admin(t: Reporter, ctx: Context) -> None:
    key = random_secret(48)
    one = ctx.server("demote-1", {"LMS_JWT_SECRET": key}).start()
    two = ctx.server("demote-2", {"LMS_JWT_SECRET": key}, data_dir=one.data_dir,
                     database_url=one.database_url).start()
    password = strong_password()
    a_email, b_email, i_email = unique_email("admin-a"), unique_email("admin-b"), unique_email("teacher")
    a_id = one.create_admin(a_email, password, "Admin A")
    b_id = one.create_admin(b_email, password, "Admin B")
    reg = one.register(i_email, password, "Teacher")
    if reg.status != 201:
        raise CheckError(f"register instructor: {reg.describe()}")
    i_id = reg.json()["id"]
    tok_a = one.login(a_email, password)["access_token"]
    promoted = request(one.addr, "PATCH", f"/api/v1/admin/users/{i_id}", {"role": "instructor"}, token=tok_a)
    if promoted.status != 200:
        raise CheckError(f"promote instructor: {promoted.describe()}")
    tok_b = two.login(b_email, password)["access_token"]
    tok_i = two.login(i_email, password)["access_token"]
    course = {"title": "Stale role", "description": "x", "category": "testing", "difficulty": "beginner"}

    before_i = request(two.addr, "POST", "/api/v1/courses", course, token=tok_i)
    before_b = request(two.addr, "PATCH", f"/api/v1/admin/users/{i_id}", {"premium": False}, token=tok_b)
    if before_i.status != 201 or before_b.status != 200:
        raise CheckError(f"controls before demotion failed: instructor course {before_i.describe()}, "
                         f"admin B patch {before_b.describe()}")
    t.ok("controls: instructor creates a course and admin B changes a user on instance 2")

    demote_i = request(one.addr, "PATCH", f"/api/v1/admin/users/{i_id}", {"role": "student"}, token=tok_a)
    after_i = request(two.addr, "POST", "/api/v1/courses", course, token=tok_i)
    if demote_i.status != 200:
        raise CheckError(f"admin A could not demote the instructor: {demote_i.describe()}")
    t.expect(after_i.status in (401, 403),
             f"demoted instructor's old token refused at once on instance 2 (HTTP {after_i.status})",
             f"right after demotion to student, the instructor's old token still creates a course on "
             f"instance 2: {after_i.describe()}")

    demote_b = request(one.addr, "PATCH", f"/api/v1/admin/users/{b_id}", {"role": "student"}, token=tok_a)
    attack_a = request(two.addr, "PATCH", f"/api/v1/admin/users/{a_id}", {"role": "student"}, token=tok_b)
    attack_b = request(two.addr, "PATCH", f"/api/v1/admin/users/{b_id}", {"role": "admin"}, token=tok_b)
    if demote_b.status != 200:
        raise CheckError(f"admin A could not demote admin B: {demote_b.describe()}")
    t.expect(attack_a.status in (401, 403),
             f"demoted admin B's old token refused at once on instance 2 for PATCH /admin/users/{{A}} "
             f"(HTTP {attack_a.status})",
             f"right after demotion, admin B's old token still works on instance 2: PATCH /admin/users/{{A}} "
             f"role=student -> {attack_a.describe()}")
    t.expect(attack_b.status in (401, 403),
             f"demoted admin B cannot re-promote itself on instance 2 (HTTP {attack_b.status})",
             f"right after demotion, admin B re-promoted itself on instance 2 with its old token: "
             f"{attack_b.describe()}")


def check_ops_endpoints(t: Reporter, ctx: Context) -> None:
    ops_token = random_secret(40)
    env = {
        "LMS_ENV": "production",
        "LMS_JWT_SECRET": random_secret(48),
        "LMS_ALLOWED_ORIGINS": ORIGIN,
        "LMS_OPS_TOKEN": ops_token,
        # Production also requires encryption at rest and a certificate-signing key.
        "LMS_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "LMS_BLIND_INDEX_KEY": random_secret(40),
        "LMS_CERTIFICATE_KEY": random_secret(40),
    }
    srv = ctx.server("ops", env).start()
    for path in ("/metrics", "/health/detailed"):
        bare = request(srv.addr, "GET", path)
        t.expect(bare.status == 401 and bare.envelope() is not None, f"{path} without the ops token -> 401 envelope",
                 f"{path} answers without the ops token in production: {bare.describe()}")
        wrong = request(srv.addr, "GET", path, headers={"Authorization": f"Bearer {random_secret(40)}"})
        t.expect(wrong.status == 401, f"{path} with a wrong token -> 401",
                 f"{path} accepts a wrong ops token: {wrong.describe()}")
        right = request(srv.addr, "GET", path, headers={"Authorization": f"Bearer {ops_token}"})
        t.expect(right.status == 200, f"{path} with Authorization: Bearer $LMS_OPS_TOKEN -> 200",
                 f"{path} refuses the right ops token: {right.describe()}")
    for path in ("/health", "/health/live", "/health/ready"):
        resp = request(srv.addr, "GET", path)
        t.expect(resp.status == 200, f"{path} stays open -> 200", f"{path} is not open: {resp.describe()}")

    ops_port = free_port()
    srv.restart({"LMS_OPS_BIND": f"127.0.0.1:{ops_port}"})
    deadline, last = time.monotonic() + 5, "nothing"
    while time.monotonic() < deadline:
        try:
            resp = request(("127.0.0.1", ops_port), "GET", "/metrics", timeout=2)
            last = resp.describe()
            if resp.status == 200:
                break
        except HttpError as e:
            last = str(e)
        time.sleep(0.1)
    else:
        resp = None
    t.expect(resp is not None and resp.status == 200,
             f"with LMS_OPS_BIND=127.0.0.1:{ops_port}, /metrics is served there without a token",
             f"with LMS_OPS_BIND=127.0.0.1:{ops_port}, /metrics is not served on that address: {last}")


def check_client_ip_logs(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("client-ip", {"LMS_LOG": "info"}).start()
    forged = "203.0.113.9"

    def access_record(rid: str) -> dict | None:
        return srv.wait_log(lambda r: log_message(r) == "request" and rid in find_values(r, "request_id"))

    def client_ips(record: dict | None) -> list[str]:
        return [ip_of(v) for v in find_values(record or {}, "client_ip")]

    rid = f"attack-xff-{secrets.token_hex(6)}"
    request(srv.addr, "GET", "/api/v1/courses", headers={"X-Request-Id": rid, "X-Forwarded-For": forged})
    record = access_record(rid)
    if record is None:
        t.fail(f"no access log line (message \"request\") with request_id {rid} at LMS_LOG=info")
    else:
        ips = client_ips(record)
        if t.expect(bool(ips), f"access log line has client_ip {ips}",
                    f"access log line has no client_ip field: {json.dumps(record)[:300]}"):
            t.expect(set(ips) == {"127.0.0.1"},
                     "without LMS_TRUSTED_PROXIES the forged X-Forwarded-For is ignored (client_ip 127.0.0.1)",
                     f"without trusted proxies, client_ip is {ips} for a request from 127.0.0.1 with a forged "
                     f"X-Forwarded-For: {forged}")

    offset = srv.log_size()
    resp = request(srv.addr, "POST", "/api/v1/auth/login",
                   {"email": unique_email("nobody"), "password": strong_password()},
                   headers={"X-Forwarded-For": forged})
    if resp.status != 401:
        t.note(f"failed login answered {resp.describe()}")
    record = srv.wait_log(lambda r: log_message(r) == "failed login", since=offset)
    if record is None:
        t.fail("no \"failed login\" security log line after a failed login")
    else:
        ips = client_ips(record)
        t.expect(bool(ips) and set(ips) == {"127.0.0.1"}, "failed-login security log line has client_ip 127.0.0.1",
                 f"the \"failed login\" security log line has client_ip {ips or 'missing'} (want 127.0.0.1, "
                 f"as a field of the line or of one of its spans): {json.dumps(record)[:300]}")

    srv.restart({"LMS_TRUSTED_PROXIES": "127.0.0.1"})
    for xff, want in ((forged, forged), (f"198.51.100.23, {forged}", forged), (f"{forged}, 127.0.0.1", forged)):
        rid = f"attack-proxy-{secrets.token_hex(6)}"
        request(srv.addr, "GET", "/api/v1/courses", headers={"X-Request-Id": rid, "X-Forwarded-For": xff})
        ips = client_ips(access_record(rid))
        t.expect(bool(ips) and set(ips) == {want}, f"LMS_TRUSTED_PROXIES=127.0.0.1, X-Forwarded-For: {xff} -> client_ip {want}",
                 f"LMS_TRUSTED_PROXIES=127.0.0.1, X-Forwarded-For: {xff}: access log client_ip is "
                 f"{ips or 'missing'}, want {want} (rightmost untrusted)")


def check_cors_and_framing(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("cors-framing", {"LMS_ALLOWED_ORIGINS": ORIGIN}).start()

    def varies_on_origin(resp: Response) -> bool:
        vary = resp.header("vary") or ""
        return any(token.strip().lower() == "origin" for token in vary.split(","))

    simple = request(srv.addr, "GET", "/api/v1/courses", headers={"Origin": ORIGIN})
    t.expect(simple.header("access-control-allow-origin") == ORIGIN,
             "CORS is active (Access-Control-Allow-Origin echoes the allowed origin)",
             f"CORS answer lacks Access-Control-Allow-Origin: {ORIGIN} (status {simple.status})")
    t.expect(varies_on_origin(simple), f"CORS GET answer has Vary: {simple.header('vary')}",
             f"CORS GET answer lacks Vary: Origin (Vary: {simple.header('vary')})")
    preflight = request(srv.addr, "OPTIONS", "/api/v1/courses", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    t.expect(varies_on_origin(preflight), f"CORS preflight answer has Vary: {preflight.header('vary')}",
             f"CORS preflight answer lacks Vary: Origin (status {preflight.status}, Vary: {preflight.header('vary')})")

    def too_large(what: str, headers: list[tuple[str, str]]) -> None:
        try:
            resp = exchange(srv.addr, build_request("GET", "/api/v1/courses", headers), timeout=10)
        except HttpError as e:
            t.fail(f"{what}: no 431 answer ({e})")
            return
        t.expect(resp.status == 431 and resp.code() == "HEADERS_TOO_LARGE",
                 f"{what} -> 431 envelope HEADERS_TOO_LARGE",
                 f"{what}: expected 431 with the JSON envelope (HEADERS_TOO_LARGE), got {resp.describe()}")

    too_large("150 headers", [(f"X-Attack-{i}", "v") for i in range(150)])
    too_large("one 70,000-byte header", [("X-Big", "a" * 70_000)])
    try:
        resp = exchange(srv.addr, b"GARBAGE\r\n\r\n", timeout=10)
        t.expect(resp.status == 400 and resp.envelope() is not None,
                 "malformed request line -> 400 with the JSON envelope",
                 f"malformed request line: expected 400 with the JSON envelope, got {resp.describe()}")
    except HttpError as e:
        t.fail(f"malformed request line: no 400 answer ({e})")


def check_ready_saturation(t: Reporter, ctx: Context) -> None:
    srv = ctx.server("saturation", {"LMS_MAX_IN_FLIGHT_REQUESTS": "2"}).start()
    login = json.dumps({"email": "nobody-saturation@example.com", "password": strong_password()}).encode()
    raw = build_request("POST", "/api/v1/auth/login", {"Content-Type": "application/json"}, login)
    timings = []
    for _ in range(3):
        started = time.monotonic()
        exchange(srv.addr, raw, timeout=10)
        timings.append(time.monotonic() - started)
    single = max(min(timings), 0.005)
    burst = max(50, min(400, int(5.0 / single)))  # about 2.5 s of work over two slots

    async def run():
        polls: list[Response | str] = []
        done = asyncio.Event()

        async def poll():
            while not done.is_set():
                try:
                    polls.append(await aexchange(srv.port, build_request("GET", "/health/ready"), 2.0))
                except HttpError as e:
                    polls.append(str(e))
                await asyncio.sleep(0.025)

        async def one(i: int):
            try:
                return await aexchange(srv.port, raw, 60.0, source=SPREAD_SOURCES[i % len(SPREAD_SOURCES)])
            except HttpError as e:
                return str(e)

        poller = asyncio.create_task(poll())
        started = time.monotonic()
        answers = await asyncio.gather(*(one(i) for i in range(burst)))
        duration = time.monotonic() - started
        done.set()
        await poller
        return polls, answers, duration

    polls, answers, duration = asyncio.run(run())
    saturated = [p for p in polls if isinstance(p, Response) and p.status == 503]
    with_detail = [p for p in saturated if p.envelope() is not None
                   and "saturat" in json.dumps(p.envelope().get("details")).lower()]
    after = request(srv.addr, "GET", "/health/ready")
    if not saturated and duration < 0.5:
        raise SkipCheck(f"the burst of {burst} logins took only {duration:.2f} s; could not saturate two slots")
    t.expect(bool(with_detail),
             f"/health/ready -> 503 (details mention saturation) in {len(with_detail)} of {len(polls)} polls during "
             f"a {duration:.1f} s burst of {burst} logins",
             f"/health/ready never said saturated while {burst} logins queued for 2 in-flight slots for "
             f"{duration:.1f} s ({len(polls)} polls: {len(saturated)} x 503"
             f"{', first: ' + saturated[0].describe() if saturated else ''}; others "
             f"{sorted({p.status if isinstance(p, Response) else p for p in polls if p not in saturated}, key=str)})")
    t.expect(after.status == 200, "/health/ready -> 200 again after the burst",
             f"/health/ready did not recover after the burst: {after.describe()}")


CHECKS = [
    ("stalled_bodies", check_stalled_bodies, "stalled request bodies hold in-flight slots and are never timed out"),
    ("stalled_headers", check_stalled_headers, "never-ending request headers are never timed out"),
    ("per_address_cap", check_per_address_cap, "one client address may open unlimited connections"),
    ("big_body", check_big_body, "large bodies of undeclared fields are buffered and accepted"),
    ("text_input", check_text_input, "invisible/bidi text, mixed-script email domains and weak passwords accepted"),
    ("tokens", check_tokens, "JWT claims not validated (nbf, lifetime, aud) / no key rotation"),
    ("default_key", check_default_key, "built-in development JWT secret signs valid tokens"),
    ("demoted_admin", check_demoted_admin, "demoted users keep their old role on other instances"),
    ("ops_endpoints", check_ops_endpoints, "metrics and detailed health are public in production"),
    ("client_ip_logs", check_client_ip_logs, "logs lack a trustworthy client_ip"),
    ("cors_and_framing", check_cors_and_framing, "missing Vary: Origin / non-envelope framing errors"),
    ("ready_saturation", check_ready_saturation, "readiness ignores in-flight saturation"),
]


# ------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-bin", required=False, help="path of the lms-server binary")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (logs, databases)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("checks", nargs="*", help="run only these checks")
    args = parser.parse_args()
    names = [name for name, _, _ in CHECKS]
    if args.list:
        for name, _, finding in CHECKS:
            print(f"{name:18} {finding}")
        return 0
    unknown = [c for c in args.checks if c not in names]
    if unknown:
        parser.error(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    if not args.server_bin or not os.access(args.server_bin, os.X_OK):
        parser.error(f"--server-bin must name the lms-server binary (got {args.server_bin!r})")
    selected = [c for c in CHECKS if not args.checks or c[0] in args.checks]

    raise_fd_limit()
    workdir = tempfile.mkdtemp(prefix="lms-attack-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def watchdog(*_):
        raise CheckTimeout()

    signal.signal(signal.SIGALRM, watchdog)
    ctx = Context(os.path.abspath(args.server_bin), workdir)
    results: list[tuple[str, str, float, Reporter]] = []
    run_started = time.monotonic()
    print(f"attack run against {ctx.binary} (temp {workdir})", flush=True)
    try:
        for name, check, finding in selected:
            print(f"== {name}: {finding}", flush=True)
            reporter = Reporter(name, finding)
            ctx.servers = []
            started = time.monotonic()
            outcome = "PASS"
            signal.alarm(120)
            try:
                check(reporter, ctx)
                if reporter.failures:
                    outcome = "FAIL"
            except SkipCheck as e:
                outcome = "SKIP"
                print(f"  SKIP {e}", flush=True)
            except CheckTimeout:
                reporter.fail("the check did not finish within 120 s")
                outcome = "FAIL"
            except (CheckError, HttpError) as e:
                reporter.fail(f"check aborted: {e}")
                outcome = "FAIL"
            except Exception:  # noqa: BLE001 - one broken check must not hide the others
                reporter.fail(f"check crashed:\n{traceback.format_exc()}")
                outcome = "FAIL"
            finally:
                signal.alarm(0)
                for srv in ctx.servers:
                    srv.stop()
            elapsed = time.monotonic() - started
            if outcome == "FAIL":
                for srv in ctx.servers:
                    print(f"  --- last log lines of {srv.name} ({srv.log_path}):")
                    print("\n".join("    " + line[:400] for line in srv.tail(12).splitlines()), flush=True)
            print(f"{outcome} {name} ({elapsed:.1f} s)", flush=True)
            results.append((name, outcome, elapsed, reporter))
    finally:
        stop_all()
        if not args.keep_temp:
            shutil.rmtree(workdir, ignore_errors=True)

    total = time.monotonic() - run_started
    counts = {o: sum(1 for _, out, _, _ in results if out == o) for o in ("PASS", "FAIL", "SKIP")}
    print(f"\nsummary: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped in {total:.0f} s")
    for name, outcome, elapsed, reporter in results:
        print(f"  {outcome} {name:18} {elapsed:5.1f} s" + (f"  finding: {reporter.finding}" if outcome == "FAIL" else ""))
        for failure in reporter.failures:
            print(f"       - {failure.splitlines()[0][:200]}")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
