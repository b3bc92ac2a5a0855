#!/usr/bin/env bash
# Zero-downtime rolling restart (issue 20's acceptance): two release lms-server instances
# on one PostgreSQL database behind HAProxy (installed from the distribution when
# missing), which health-checks /health/ready every 200 ms. A steady, bounded load of
# keep-alive clients (reads, writes and logins) runs through HAProxy while the instances
# are restarted one at a time with SIGTERM; every request must succeed and every instance
# must exit 0 (scripts/rolling_restart.py). docs/serving.md describes the drain it relies on.
#
# Environment: LMS_TEST_POSTGRES_URL as for the tests (unset: the run is skipped, and
# fails if LMS_REQUIRE_BACKENDS names postgres); ROLLING_CLIENTS (default 8) and
# ROLLING_RATE (requests a second per client, default 25).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  if [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",postgres,"* ]]; then
    echo "LMS_TEST_POSTGRES_URL is not set but postgres is required" >&2
    exit 1
  fi
  echo "rolling restart skipped: LMS_TEST_POSTGRES_URL is not set (two instances share one PostgreSQL database)"
  exit 0
fi

if ! command -v haproxy >/dev/null; then
  echo "installing haproxy"
  apt-get install -y -qq haproxy >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
fi
command -v haproxy >/dev/null || { echo "haproxy is required (apt-get install haproxy)" >&2; exit 1; }

cargo build --release -p lms-http --features postgres,mongo --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/release/lms-server"

work="$(mktemp -d)"
db="lms_rolling_$(date +%s)_$RANDOM"
cleanup() {
  psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE $db"
base="${LMS_TEST_POSTGRES_URL%%\?*}"
if ! python3 scripts/rolling_restart.py --server-bin "$bin" --database-url "${base%/*}/$db" --work "$work" \
  --clients "${ROLLING_CLIENTS:-8}" --rate "${ROLLING_RATE:-25}"; then
  echo "--- server and proxy log (last 40 lines) ---" >&2
  tail -n 40 "$work/servers.log" >&2 || true
  exit 1
fi
