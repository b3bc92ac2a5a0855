#!/usr/bin/env bash
# The attack run: builds the release server and re-runs the attacks of the security review
# against it (scripts/attack.py starts, configures and stops its own servers on free
# loopback ports with temporary data directories). Fails while any finding is open.
#
# Usage: scripts/attack.sh              every check
#        scripts/attack.sh NAME ...     only the named checks (scripts/attack.sh --list)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p lms-http --features postgres,mongo --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
exec python3 -B scripts/attack.py --server-bin "$target_dir/release/lms-server" "$@"
