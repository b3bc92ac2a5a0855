"""The container files' promises, checked against the release binary (see container-check.sh).

Environment: LMS_SERVER_BIN (the release lms-server), LMS_TEST_POSTGRES_URL (a PostgreSQL
server on which a fresh database is made for the compose flow).
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

BIN = os.environ["LMS_SERVER_BIN"]
IMAGE_PATH = "/usr/local/bin/lms-server"


def fail(message):
    sys.exit(f"FAILED: {message}")


def dockerfile_instructions(path="Dockerfile"):
    """(instruction, arguments) of the final stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", open(path, encoding="utf-8").read())
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    stages = [i for i, l in enumerate(lines) if l.upper().startswith("FROM ")]
    final = lines[stages[-1]:]
    return [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in final]


def exec_form(arguments):
    """The JSON array of an exec-form instruction, with the image's binary path mapped to ours."""
    try:
        argv = json.loads(arguments)
    except json.JSONDecodeError:
        fail(f"not in exec form (no shell in the runtime image): {arguments}")
    return [BIN if a == IMAGE_PATH else a for a in argv]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(extra)
    return env


def run_until_healthy(argv, health, env, log):
    """Starts argv, runs the health command until it passes (as Docker would), returns the process."""
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            fail(f"{argv} exited with {server.returncode} at start:\n{open(log.name).read()}")
        probe = subprocess.run(health, env=env, capture_output=True, text=True)
        if probe.returncode == 0:
            return server
        if time.monotonic() > deadline:
            server.kill()
            fail(f"health check never passed: {probe.stderr.strip()}")
        time.sleep(0.2)


def stop(server, name):
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        fail(f"{name}: still running 60 s after SIGTERM")
    if code != 0:
        fail(f"{name}: exit code {code} after SIGTERM")


def check_image(instructions):
    seen = {name for name, _ in instructions}
    for required in ("USER", "HEALTHCHECK", "ENTRYPOINT", "CMD", "ENV"):
        if required not in seen:
            fail(f"the runtime stage has no {required}")
    user = next(args for name, args in instructions if name == "USER")
    if user.split(":")[0] in ("0", "root"):
        fail("the image runs as root")
    health = next(args for name, args in instructions if name == "HEALTHCHECK")
    health = exec_form(health[health.index("CMD") + 3:].strip())
    if health[:2] != [BIN, "healthcheck"]:
        fail(f"HEALTHCHECK does not run the binary's probe: {health}")
    entrypoint = exec_form(next(args for name, args in instructions if name == "ENTRYPOINT"))
    cmd = exec_form(next(args for name, args in instructions if name == "CMD"))
    env = {}
    for name, args in instructions:
        if name == "ENV":
            for assignment in shlex.split(args):
                key, _, value = assignment.partition("=")
                env[key] = value
    return entrypoint + cmd, health, env


def run_image(argv, health, image_env):
    """The binary with the image's environment; its data directory and port moved here."""
    with tempfile.TemporaryDirectory() as data, open(os.path.join(data, "server.log"), "w") as log:
        port = free_port()
        env = {
            k: v.replace("/var/lib/lms", data).replace(":8080", f":{port}") for k, v in image_env.items()
        }
        if not env.get("LMS_BIND", "").startswith("0.0.0.0:"):
            fail(f"the image does not listen on every interface: {env.get('LMS_BIND')}")
        server = run_until_healthy(argv, health, clean_env(env), log)
        stop(server, "the image's server")
        if not os.path.exists(os.path.join(data, "lms.db")):
            fail("the image's database is not in its data volume")
    print("image: the server starts with the image's settings, passes its health check, stops with 0")


def check_compose(path="docker-compose.yml"):
    compose = yaml.safe_load(open(path, encoding="utf-8"))
    services = compose["services"]
    for name in ("lms", "migrate", "postgres", "mongo", "redis"):
        if name not in services:
            fail(f"compose has no {name} service")
    volumes = set(compose.get("volumes", {}))
    for name in ("postgres", "mongo", "redis"):
        service = services[name]
        if "healthcheck" not in service:
            fail(f"compose service {name} has no health check")
        for volume in service.get("volumes", []):
            if volume.split(":")[0] not in volumes:
                fail(f"compose service {name} uses an undeclared volume {volume}")
        if not service.get("volumes"):
            fail(f"compose service {name} keeps its data in no volume")
    lms = services["lms"]
    if lms["depends_on"]["migrate"]["condition"] != "service_completed_successfully":
        fail("the server does not wait for the migration")
    if str(lms["environment"].get("LMS_MIGRATE_ON_START")).lower() != "false":
        fail("the server migrates again at start although the migrate service did")
    if services["migrate"]["command"] != ["migrate"]:
        fail("the migrate service does not run `lms-server migrate`")
    if services["mongo"]["command"][:3] != ["mongod", "--replSet", "rs0"]:
        fail("MongoDB is not a replica set")
    return services


def compose_environment(service, values):
    """A service's environment with ${VAR:-default} resolved from values (nested allowed)."""
    pattern = re.compile(r"\$\{(\w+):-([^${}]*)\}")

    def resolve(text):
        while pattern.search(text):
            text = pattern.sub(lambda m: values.get(m.group(1)) or m.group(2), text)
        return text

    return {k: resolve(str(v)) for k, v in service["environment"].items()}


def run_compose_flow(services, health):
    server_url = urllib.parse.urlsplit(os.environ["LMS_TEST_POSTGRES_URL"])
    database = f"lms_container_check_{os.getpid()}"
    psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", os.environ["LMS_TEST_POSTGRES_URL"]]
    subprocess.run(psql + ["-c", f"CREATE DATABASE {database}"], check=True)
    try:
        with tempfile.TemporaryDirectory() as data, open(os.path.join(data, "server.log"), "w") as log:
            port = free_port()
            values = {
                "LMS_DATABASE_URL": urllib.parse.urlunsplit(server_url._replace(path=f"/{database}")),
                "LMS_JWT_SECRET": "compose-check-signing-key-0123456789abcdef",
                "LMS_CERTIFICATE_KEY": "compose-check-certificate-key-0123456789abcdef",
            }
            image_env = {"LMS_BIND": f"127.0.0.1:{port}", "LMS_DATA_DIR": data}
            migrate_env = clean_env({**image_env, **compose_environment(services["migrate"], values)})
            migrate_env.pop("LMS_REDIS_URL")  # no Redis service here; the machine's is not the compose one
            migrated = subprocess.run([BIN, "migrate"], env=migrate_env, capture_output=True, text=True)
            if migrated.returncode != 0:
                fail(f"compose migrate: {migrated.stderr}")
            serve_env = clean_env({**image_env, **compose_environment(services["lms"], values)})
            serve_env["LMS_REDIS_URL"] = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/")
            server = run_until_healthy([BIN, "serve"], health, serve_env, log)
            stop(server, "the compose server")
    finally:
        subprocess.run(psql + ["-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    environment = compose_environment(services["lms"], {})["LMS_ENV"]
    print(f"compose: migrate, then the server ({environment}) without migrating at start, healthy, stops with 0")


def main():
    argv, health, image_env = check_image(dockerfile_instructions())
    run_image(argv, health, image_env)
    services = check_compose()
    run_compose_flow(services, health)


if __name__ == "__main__":
    main()
