#!/usr/bin/env bash
# Fuzzes the live release server from its own OpenAPI document with schemathesis (pinned,
# installed in a virtualenv under target/): no 5xx response and no response that breaks
# the document is allowed. Runs as an admin, so every operation is reachable.
#
# Usage: scripts/schemathesis.sh [extra schemathesis options]
# SCHEMATHESIS_MAX_EXAMPLES (default 30) bounds the examples per operation.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

# shellcheck source=lib/server.sh
source scripts/lib/server.sh
# Rate limiting has its own tests; here it would only turn the fuzzing into 429s.
export LMS_RATE_LIMIT_PER_MINUTE=1000000 LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000000
start_server

password="Fuzz$(date +%s)Pw1"
"$LMS_SERVER_BIN" create-admin --email fuzz-admin@example.com --password "$password" >/dev/null
token="$(curl -fs -X POST "$LMS_URL/api/v1/auth/login" -H 'content-type: application/json' \
  --data "{\"email\":\"fuzz-admin@example.com\",\"password\":\"$password\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

# The access token lives 15 minutes: far longer than the run. Run in the temporary
# directory, where schemathesis keeps its replay data.
st="$PWD/$venv/bin/schemathesis"
cd "$workdir"
"$st" run "$LMS_URL/openapi.json" \
  --url "$LMS_URL" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --exclude-checks "${SCHEMATHESIS_EXCLUDE_CHECKS:-positive_data_acceptance,negative_data_rejection}" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
  --workers 2 \
  --seed 20261123 \
  "$@" || fail "schemathesis found problems"
echo "schemathesis passed"
