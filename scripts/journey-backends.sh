#!/usr/bin/env bash
# The learner journey (scripts/journey.sh) against the release server on PostgreSQL and on
# MongoDB, each in a fresh database: the server serves the same journey on every backend.
#
# Environment: LMS_TEST_POSTGRES_URL (a server URL whose database may be replaced) and
# LMS_TEST_MONGO_URL (a replica set); a backend whose URL is unset is skipped, and fails
# the run if LMS_REQUIRE_BACKENDS names it.
set -euo pipefail
cd "$(dirname "$0")/.."

suffix="$(date +%s)_$RANDOM"

# Runs the journey on BACKEND's DATABASE_URL; with no URL (its LMS_TEST_*_URL is unset),
# skips it, or fails when LMS_REQUIRE_BACKENDS names it.
journey_on() { # BACKEND LABEL DATABASE_URL
  if [[ -n "$3" ]]; then
    echo "journey on $2 (${3##*/})"
    LMS_SERVER_DATABASE_URL="$3" bash scripts/journey.sh
  elif [[ ",${LMS_REQUIRE_BACKENDS:-}," == *",$1,"* ]]; then
    echo "the $1 test URL is not set but $1 is required" >&2
    exit 1
  fi
}

postgres_url=""
if [[ -n "${LMS_TEST_POSTGRES_URL:-}" ]]; then
  database="lms_journey_$suffix"
  psql "$LMS_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database"
  trap 'psql "$LMS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS '"$database"' WITH (FORCE)"' EXIT
  base="${LMS_TEST_POSTGRES_URL%%\?*}"
  postgres_url="${base%/*}/$database"
fi
journey_on postgres PostgreSQL "$postgres_url"

mongo_url=""
if [[ -n "${LMS_TEST_MONGO_URL:-}" ]]; then
  base="${LMS_TEST_MONGO_URL%%\?*}"
  mongo_url="${base%/}/lms_journey_$suffix"
fi
journey_on mongo MongoDB "$mongo_url"
