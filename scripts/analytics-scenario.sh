#!/usr/bin/env bash
# Learning analytics with known answers (issue 19's acceptance) against a real release
# server: 200 learners in 3 courses stop at planned lessons with planned quiz answers, then
# the course analytics (funnel, completions, rates), the per-question statistics
# (correct rate, discrimination with pro-rata ties), their CSV forms, the overview and the
# access rules must match numbers derived by hand (scripts/analytics_scenario.py).
#
# Usage: scripts/analytics-scenario.sh [ARGS]   builds and starts target/release/lms-server
#                                      on a free port with a temporary SQLite database (or
#                                      LMS_SERVER_DATABASE_URL), then stops it
#        LMS_URL=http://host:port scripts/analytics-scenario.sh [ARGS]   runs against a
#                                      running server on a fresh database, started with
#                                      LMS_RATE_LIMIT_PER_MINUTE and
#                                      LMS_LOGIN_RATE_LIMIT_PER_MINUTE set high (then
#                                      LMS_SERVER_BIN and LMS_DATABASE_URL must name the
#                                      binary and database for create-admin)
# ARGS go to the Python script, e.g. --seed-only --credentials-out FILE (useful with LMS_URL
# only: a server started here stops when this script ends).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/server.sh
source scripts/lib/server.sh
if [[ -z "${LMS_URL:-}" ]]; then
  # One client address sends ~2,000 requests and 400 registrations and logins in seconds.
  export LMS_RATE_LIMIT_PER_MINUTE=1000000
  export LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000000
  start_server
fi
: "${LMS_SERVER_BIN:?LMS_SERVER_BIN must name the lms-server binary}"
: "${LMS_DATABASE_URL:?LMS_DATABASE_URL must name the server database}"

echo "analytics scenario against $LMS_URL"
python3 scripts/analytics_scenario.py --base-url "$LMS_URL" --server-bin "$LMS_SERVER_BIN" \
  --database-url "$LMS_DATABASE_URL" "$@" || fail "analytics scenario failed"
