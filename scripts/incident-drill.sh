#!/usr/bin/env bash
# The database-outage drill against the release server (issue 19's acceptance): the
# server runs on PostgreSQL through a TCP relay scripts/incident_drill.py owns; the relay
# is stopped (the database becomes unreachable to the server) and started again. An
# `incident.opened` notice must reach a local webhook receiver within 30 s of the default
# "Database unreachable" rule's condition holding for its duration, signed (verified with
# the `standardwebhooks` package, pinned, in a virtualenv under target/); /status must show
# the outage; once the database is back the incident must resolve on its own, with its
# time to resolve and the MTTR reported.
#
# Environment: LMS_TEST_POSTGRES_URL as for the tests (unset: skipped, and a failure if
# LMS_REQUIRE_BACKENDS names postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  if [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",postgres,"* ]]; then
    echo "FAILED: LMS_TEST_POSTGRES_URL is unset and LMS_REQUIRE_BACKENDS names postgres" >&2
    exit 1
  fi
  echo "incident drill skipped: LMS_TEST_POSTGRES_URL is unset"
  exit 0
fi

version=1.0.0
venv=target/webhooks-venv
if ! "$venv/bin/python" -c "import standardwebhooks" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$version"
fi

cargo build --release -p lms-http --features postgres,mongo --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
database="lms_incident_$(date +%s)_$RANDOM"
work="$(mktemp -d)"
cleanup() {
  psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database" >/dev/null

read -r host port < <(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 5432)' "$LMS_TEST_POSTGRES_URL")
echo "database outage drill"
if ! "$venv/bin/python" scripts/incident_drill.py --server-bin "$target_dir/release/lms-server" \
  --postgres-host "$host" --postgres-port "$port" --database "$database" --log "$work/server.log"; then
  tail -n 30 "$work/server.log" >&2
  exit 1
fi
