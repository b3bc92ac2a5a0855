#!/usr/bin/env bash
# Webhook delivery end to end against the release server (issue 14's acceptance): a local
# receiver gets every event exactly once, each signature verified with the
# `standardwebhooks` package (pinned, in a virtualenv under target/), on SQLite (one
# instance), on PostgreSQL (two instances on one database, then one killed with SIGKILL
# mid-delivery and restarted: nothing lost) and on MongoDB (one instance).
#
# Environment: LMS_TEST_POSTGRES_URL and LMS_TEST_MONGO_URL as for the tests (a backend
# whose URL is unset is skipped, and fails the run if LMS_REQUIRE_BACKENDS names it);
# WEBHOOK_EVENTS (default 1000) events per batch.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.0.0
venv=target/webhooks-venv
if ! "$venv/bin/python" -c "import standardwebhooks" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$version"
fi

cargo build --release -p lms-http --features postgres,mongo --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/release/lms-server"
events="${WEBHOOK_EVENTS:-1000}"
work="$(mktemp -d)"
suffix="$(date +%s)_$RANDOM"
cleanup() {
  if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
    psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS lms_hooks_$suffix WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

run() { # LABEL DATABASE_URL ARGS...
  local label=$1 url=$2
  shift 2
  echo "webhook delivery on $label"
  if ! "$venv/bin/python" scripts/webhook_delivery.py --server-bin "$bin" --database-url "$url" \
    --events "$events" --log "$work/$label.log" "$@"; then
    tail -n 30 "$work/$label.log" >&2
    exit 1
  fi
}

required() { [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",$1,"* ]]; }

run sqlite "sqlite:$work/lms.db"

if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE lms_hooks_$suffix"
  base="${LMS_TEST_POSTGRES_URL%%\?*}"
  run postgres "${base%/*}/lms_hooks_$suffix" --instances 2 --kill
elif required postgres; then
  echo "LMS_TEST_POSTGRES_URL is not set but postgres is required" >&2
  exit 1
fi

if [[ -n "${LMS_TEST_MONGO_URL:-}" ]]; then
  base="${LMS_TEST_MONGO_URL%%\?*}"
  run mongo "${base%/}/lms_hooks_$suffix"
elif required mongo; then
  echo "LMS_TEST_MONGO_URL is not set but mongo is required" >&2
  exit 1
fi
