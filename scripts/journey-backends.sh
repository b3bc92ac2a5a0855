#!/usr/bin/env bash
# The learner journey (scripts/journey.sh) against the release server on PostgreSQL and on
# MongoDB, each in a fresh database: the server serves the same journey on every backend.
#
# Environment: LMS_TEST_POSTGRES_URL (a server URL whose database may be replaced) and
# LMS_TEST_MONGO_URL (a replica set); a backend whose URL is unset is skipped, and fails
# the run if LMS_REQUIRE_BACKENDS names it.
set -euo pipefail
cd "$(dirname "$0")/.."

required() { [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",$1,"* ]]; }
suffix="$(date +%s)_$RANDOM"

if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  database="lms_journey_$suffix"
  psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database"
  trap 'psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS '"$database"' WITH (FORCE)"' EXIT
  base="${LMS_TEST_POSTGRES_URL%%\?*}"
  echo "journey on PostgreSQL ($database)"
  LMS_SERVER_DATABASE_URL="${base%/*}/$database" bash scripts/journey.sh
elif required postgres; then
  echo "LMS_TEST_POSTGRES_URL is not set but postgres is required" >&2
  exit 1
fi

if [[ -n "${LMS_TEST_MONGO_URL:-}" ]]; then
  base="${LMS_TEST_MONGO_URL%%\?*}"
  echo "journey on MongoDB (lms_journey_$suffix)"
  LMS_SERVER_DATABASE_URL="${base%/}/lms_journey_$suffix" bash scripts/journey.sh
elif required mongo; then
  echo "LMS_TEST_MONGO_URL is not set but mongo is required" >&2
  exit 1
fi
