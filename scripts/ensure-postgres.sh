#!/usr/bin/env bash
# Makes sure the PostgreSQL named by LMS_TEST_POSTGRES_URL (default: the local server on
# 127.0.0.1:5432) accepts connections, starting the local cluster if it is installed but
# stopped. Exits non-zero if it cannot be reached.
set -euo pipefail

host=127.0.0.1
port=5432

ready() { pg_isready -h "$host" -p "$port" -q; }

if ! command -v pg_isready >/dev/null; then
  echo "pg_isready not found: install the postgresql client (apt-get install postgresql)" >&2
  exit 1
fi

if ! ready; then
  if command -v pg_ctlcluster >/dev/null; then
    for version in /etc/postgresql/*; do
      echo "starting PostgreSQL cluster $(basename "$version")/main"
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
    done
  fi
  for _ in $(seq 1 30); do
    ready && break
    sleep 1
  done
fi

if ready; then
  echo "PostgreSQL is accepting connections on $host:$port"
else
  echo "PostgreSQL is not reachable on $host:$port" >&2
  exit 1
fi
