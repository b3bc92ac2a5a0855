#!/usr/bin/env bash
# The admin dashboard (GET /admin, lms-http/assets/admin) in a real browser against a real
# release server: seeds three courses, 200 learners and their quiz attempts with
# scripts/analytics_scenario.py --seed-only, then scripts/dashboard/test.mjs (Playwright
# driving Debian's Chromium) signs in as the seeded admin, waits (refreshing, up to
# DASHBOARD_WAIT_SECONDS, default 60, while the analytics roll up) until the numbers shown
# for course A equal the scenario's expected ones (enrollments, completion rate, each
# funnel row, each question), checks that the business and incident sections show, that
# the page fits a narrow screen, that the instructor sees no admin sections and a learner
# is turned away, and that the page logs no console errors. Screenshots go to
# ARTIFACTS_DIR (default target/ci-artifacts/dashboard).
#
# Usage: scripts/dashboard.sh          builds and starts target/release/lms-server on a free
#                                      port with a temporary SQLite database, then stops it
#        LMS_URL=http://host:port scripts/dashboard.sh   runs against a running server
#                                      started with LMS_RATE_LIMIT_PER_MINUTE and
#                                      LMS_LOGIN_RATE_LIMIT_PER_MINUTE set high (then
#                                      LMS_SERVER_BIN and LMS_DATABASE_URL must name its
#                                      binary and database, for the seeding)
#
# Needs Node 20+ and npm; installs Chromium with apt-get when /usr/bin/chromium is missing,
# and playwright-core with `npm ci` from scripts/dashboard/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/server.sh
source scripts/lib/server.sh

chromium=/usr/bin/chromium
if [[ ! -x "$chromium" ]]; then
  echo "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
fi
[[ -x "$chromium" ]] || fail "chromium is required at $chromium (apt-get install chromium)"
command -v node >/dev/null || fail "node (20 or newer) is required"
npm ci --prefix scripts/dashboard --no-audit --no-fund --loglevel=error >/dev/null ||
  fail "npm ci in scripts/dashboard failed"

export LMS_RATE_LIMIT_PER_MINUTE=1000000
export LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000000
if [[ -z "${LMS_URL:-}" ]]; then
  start_server
fi
: "${LMS_SERVER_BIN:?LMS_SERVER_BIN must name the lms-server binary}"
: "${LMS_DATABASE_URL:?LMS_DATABASE_URL must name the server database}"

echo "dashboard against $LMS_URL"
python3 scripts/analytics_scenario.py --base-url "$LMS_URL" --server-bin "$LMS_SERVER_BIN" \
  --database-url "$LMS_DATABASE_URL" --credentials-out "$workdir/seed.json" ||
  fail "seeding with scripts/analytics_scenario.py failed"
[[ -s "$workdir/seed.json" ]] || fail "scripts/analytics_scenario.py wrote no $workdir/seed.json"

artifacts="${ARTIFACTS_DIR:-target/ci-artifacts/dashboard}"
mkdir -p "$artifacts"
LMS_URL="$LMS_URL" SEED_FILE="$workdir/seed.json" ARTIFACTS_DIR="$artifacts" CHROMIUM="$chromium" \
  node scripts/dashboard/test.mjs || fail "the dashboard test failed (screenshots in $artifacts)"

echo "dashboard passed"
