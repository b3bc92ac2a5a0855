#!/usr/bin/env bash
# Type-checks (tsc, strict) and runs the learner journey through the generated TypeScript
# client against a running server.
#
# Usage: LMS_URL=http://127.0.0.1:8080 LMS_ADMIN_EMAIL=admin@example.com \
#        LMS_ADMIN_PASSWORD=... clients/typescript/journey.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=deps.sh
source ./deps.sh

: "${LMS_URL:?LMS_URL must name the server, e.g. http://127.0.0.1:8080}"
: "${LMS_ADMIN_EMAIL:?LMS_ADMIN_EMAIL must name an existing admin}"
: "${LMS_ADMIN_PASSWORD:?LMS_ADMIN_PASSWORD must be the admin password}"

ensure_deps
rm -rf dist
node_modules/.bin/tsc -p .   # fails on any route or field docs/openapi.json does not declare
exec node dist/journey.js
