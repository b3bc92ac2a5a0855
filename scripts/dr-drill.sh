#!/usr/bin/env bash
# Disaster-recovery drill against the release server, on SQLite and (when
# LMS_TEST_POSTGRES_URL is set) PostgreSQL: writers register accounts under load; a backup
# is taken while they go on; they keep writing; the server is killed with SIGKILL and its
# database deleted; the backup is restored into a new empty database; then every account
# whose registration was acknowledged before the backup began must exist, and the learner
# journey (scripts/journey.sh) must pass against the restored server.
#
# Environment: LMS_TEST_POSTGRES_URL as for the tests (unset: PostgreSQL is skipped, and
# the run fails if LMS_REQUIRE_BACKENDS names postgres); LMS_SERVER_BIN to use a built
# binary instead of building the release one; DRILL_SECONDS (default 4) of writing before
# and after the backup; DRILL_WRITERS (default 4) concurrent writers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LMS_SERVER_BIN:-}" ]]; then
  cargo build --release -p lms-http --features postgres,mongo --quiet
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  LMS_SERVER_BIN="$target_dir/release/lms-server"
fi
export LMS_SERVER_BIN
seconds="${DRILL_SECONDS:-4}"
writers="${DRILL_WRITERS:-4}"
work="$(mktemp -d)"
suffix="$(date +%s)_$RANDOM"
server_pid=""
writer_pids=()

cleanup() {
  for pid in "${writer_pids[@]}" $server_pid; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
    psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS lms_drill_$suffix WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAILED: $*" >&2
  [[ -f "$work/server.log" ]] && tail -n 20 "$work/server.log" >&2
  exit 1
}

required() { [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",$1,"* ]]; }

export LMS_BACKUP_KEY
LMS_BACKUP_KEY="$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"
export LMS_JWT_SECRET="drill-$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export LMS_RATE_LIMIT_PER_MINUTE=1000000 LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000000
export LMS_LOG="${LMS_LOG:-warn}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export LMS_BIND="127.0.0.1:$port" LMS_DATA_DIR="$work"
export LMS_URL="http://127.0.0.1:$port"
API="$LMS_URL/api/v1"

start_server() {
  "$LMS_SERVER_BIN" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    curl -fs "$LMS_URL/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "server exited at start"
    sleep 0.1
  done
  fail "server not ready at $LMS_URL"
}

# writer N: registers accounts until stopped; each acknowledged one (201) is appended to
# acked-N as "epoch-nanoseconds id".
writer() {
  local n=$1 i=0 body status
  while :; do
    i=$((i + 1))
    body="$(curl -s -o - -w '\n%{http_code}' -X POST "$API/auth/register" -H 'content-type: application/json' \
      --data "{\"email\":\"drill-$n-$i-$suffix@example.com\",\"password\":\"Drill-$suffix-Pw1\",\"display_name\":\"Drill\"}" ||
      true)"
    status="${body##*$'\n'}"
    if [[ "$status" == 201 ]]; then
      printf '%s %s\n' "$(date +%s%N)" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "${body%$'\n'*}")" >>"$work/acked-$n"
    fi
  done
}

drill() { # LABEL DATABASE_URL DELETE_COMMAND...
  local label=$1 url=$2
  shift 2
  echo "disaster-recovery drill on $label"
  export LMS_DATABASE_URL="$url"
  rm -f "$work"/acked-* "$work/backup.bak"
  : >"$work/server.log"
  start_server
  local run_id
  run_id="$(date +%s)$RANDOM"
  "$LMS_SERVER_BIN" create-admin --email "drill-admin$run_id@example.com" --password "Drill-$suffix-Pw1" >/dev/null
  writer_pids=()
  for n in $(seq 1 "$writers"); do
    : >"$work/acked-$n"
    writer "$n" 2>/dev/null &
    writer_pids+=($!)
  done
  sleep "$seconds"
  # Everything acknowledged up to now must survive.
  cat "$work"/acked-* >"$work/before"
  "$LMS_SERVER_BIN" backup --out "$work/backup.bak" >"$work/backup.out" || fail "backup failed"
  sleep "$seconds"
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  for pid in "${writer_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait "${writer_pids[@]}" 2>/dev/null || true
  writer_pids=()
  local before after
  before="$(wc -l <"$work/before")"
  after="$(cat "$work"/acked-* | wc -l)"
  [[ "$before" -gt 0 ]] || fail "no write was acknowledged before the backup"
  [[ "$after" -gt "$before" ]] || fail "no write was acknowledged after the backup began"
  printf '  %-60s ok\n' "$before writes acknowledged before the backup, $after in all; kill -9"

  "$@"
  printf '  %-60s ok\n' "database deleted"
  "$LMS_SERVER_BIN" backup --verify "$work/backup.bak" >/dev/null || fail "the backup does not verify"
  local started ended
  started="$(date +%s%N)"
  "$LMS_SERVER_BIN" restore --from "$work/backup.bak" >"$work/restore.out" 2>&1 || {
    cat "$work/restore.out" >&2
    fail "restore failed"
  }
  ended="$(date +%s%N)"
  printf '  %-60s ok\n' "restored in $(((ended - started) / 1000000)) ms"

  start_server
  local admin missing=0 id
  admin="$(curl -fs -X POST "$API/auth/login" -H 'content-type: application/json' \
    --data "{\"email\":\"drill-admin$run_id@example.com\",\"password\":\"Drill-$suffix-Pw1\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || fail "the admin cannot log in after the restore"
  while read -r _ id; do
    status="$(curl -s -o /dev/null -w '%{http_code}' -X PATCH "$API/admin/users/$id" \
      -H "authorization: Bearer $admin" -H 'content-type: application/json' --data '{"role":"student"}')"
    if [[ "$status" != 200 ]]; then
      echo "  account $id, acknowledged before the backup, is missing ($status)" >&2
      missing=$((missing + 1))
    fi
  done <"$work/before"
  [[ "$missing" -eq 0 ]] || fail "$missing acknowledged writes lost"
  printf '  %-60s ok\n' "all $before writes acknowledged before the backup are present"
  bash scripts/journey.sh >"$work/journey.out" 2>&1 || {
    cat "$work/journey.out" >&2
    fail "the journey fails after the restore"
  }
  printf '  %-60s ok\n' "the learner journey passes on the restored server"
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

delete_sqlite() { rm -f "$work/lms.db" "$work/lms.db-wal" "$work/lms.db-shm"; }
drill sqlite "sqlite:$work/lms.db" delete_sqlite

if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE lms_drill_$suffix"
  base="${LMS_TEST_POSTGRES_URL%%\?*}"
  delete_postgres() {
    psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE lms_drill_$suffix WITH (FORCE)"
    psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE lms_drill_$suffix"
  }
  drill postgres "${base%/*}/lms_drill_$suffix" delete_postgres
elif required postgres; then
  echo "LMS_TEST_POSTGRES_URL is not set but postgres is required" >&2
  exit 1
fi
