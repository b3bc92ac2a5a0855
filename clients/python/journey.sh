#!/usr/bin/env bash
# Runs the learner journey (journey.py) through the generated Python client against a running
# server. Creates the pinned venv (target/clients-python-venv) when it is missing.
#
# Usage: LMS_URL=http://127.0.0.1:8080 LMS_ADMIN_EMAIL=admin@example.com \
#          LMS_ADMIN_PASSWORD=... clients/python/journey.sh
set -euo pipefail
# shellcheck source=_venv.sh
source "$(dirname "$0")/_venv.sh"

: "${LMS_URL:?LMS_URL must name the server, e.g. http://127.0.0.1:8080}"
: "${LMS_ADMIN_EMAIL:?LMS_ADMIN_EMAIL must name an existing admin}"
: "${LMS_ADMIN_PASSWORD:?LMS_ADMIN_PASSWORD must be the admin password}"

# The committed generated package is used from the source tree (no install step needed).
export PYTHONPATH="$client_dir/lms-client${PYTHONPATH:+:$PYTHONPATH}"
exec python "$client_dir/journey.py"
