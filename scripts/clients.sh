#!/usr/bin/env bash
# The OpenAPI document and the API clients generated from it: the document is validated
# with openapi-spec-validator (PyPI, pinned), the Python and TypeScript clients are
# regenerated from docs/openapi.json and compared with the committed code (the Rust one,
# lms-client, by `cargo test -p lms-client`), then the learner journey runs through each of
# the three against one live release server.
#
# Usage: scripts/clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."

validator_version=0.9.0
validator_venv=target/openapi-validator-venv
if ! "$validator_venv/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "^Version: $validator_version$"; then
  rm -rf "$validator_venv"
  python3 -m venv "$validator_venv"
  "$validator_venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$validator_version"
fi
"$validator_venv/bin/openapi-spec-validator" docs/openapi.json

bash clients/python/generate.sh --check
bash clients/typescript/generate.sh --check

# shellcheck source=lib/server.sh
source scripts/lib/server.sh
# Three journeys register and log in many users from one address within a minute.
export LMS_RATE_LIMIT_PER_MINUTE=1000000 LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000000
start_server
export LMS_URL LMS_ADMIN_EMAIL="clients-admin@example.com" LMS_ADMIN_PASSWORD="Clients$(date +%s)Pw1"
"$LMS_SERVER_BIN" create-admin --email "$LMS_ADMIN_EMAIL" --password "$LMS_ADMIN_PASSWORD" >/dev/null

echo "== Rust client (lms-client, progenitor)"
cargo run --release --quiet -p lms-client --example journey || fail "the Rust client's journey"
echo "== Python client (openapi-python-client)"
bash clients/python/journey.sh || fail "the Python client's journey"
echo "== TypeScript client (openapi-typescript + openapi-fetch)"
bash clients/typescript/journey.sh || fail "the TypeScript client's journey"
echo "the three clients ran the journey"
