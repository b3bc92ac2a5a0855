#!/usr/bin/env bash
# The learner journey through the generated Rust client (examples/journey.rs).
#
# Usage: lms-client/journey.sh        builds and starts target/release/lms-server on a free
#                                     port with a temporary SQLite database, creates an admin,
#                                     runs the journey, then stops the server
#        LMS_URL=http://host:port LMS_ADMIN_EMAIL=... LMS_ADMIN_PASSWORD=... lms-client/journey.sh
#                                     runs it against a running server and an existing admin
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LMS_URL:-}" ]]; then
  # shellcheck source=../scripts/lib/server.sh
  source scripts/lib/server.sh
  start_server
  export LMS_URL
  export LMS_ADMIN_EMAIL="admin$(date +%s)$RANDOM@example.com"
  export LMS_ADMIN_PASSWORD="RustJourney${RANDOM}Admin${RANDOM}"
  "$LMS_SERVER_BIN" create-admin --email "$LMS_ADMIN_EMAIL" --password "$LMS_ADMIN_PASSWORD" >/dev/null
fi
: "${LMS_ADMIN_EMAIL:?LMS_ADMIN_EMAIL must name an existing admin}"
: "${LMS_ADMIN_PASSWORD:?LMS_ADMIN_PASSWORD must be the password of that admin}"

cargo run --release --quiet -p lms-client --example journey
