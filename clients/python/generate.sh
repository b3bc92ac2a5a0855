#!/usr/bin/env bash
# Generates the Python client package clients/python/lms-client (import name lms_client) from
# docs/openapi.json with the pinned openapi-python-client (requirements.txt, config.yaml).
#
# Usage: clients/python/generate.sh           regenerate the committed code
#        clients/python/generate.sh --check   regenerate into a temporary directory and fail
#                                             (printing the diff) if the committed code differs
# Any generator warning (a skipped operation or schema) fails the script.
set -euo pipefail
# shellcheck source=_venv.sh
source "$(dirname "$0")/_venv.sh"

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

spec="$repo_root/docs/openapi.json"
target="$client_dir/lms-client"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Stable environment for the generator and ruff.
export LC_ALL=C.UTF-8 PYTHONHASHSEED=0 RUFF_NO_CACHE=true
if ! (cd "$tmp" && openapi-python-client generate --path "$spec" --config "$client_dir/config.yaml" \
  --meta uv --output-path "$tmp/lms-client" --fail-on-warning >"$tmp/log" 2>&1); then
  cat "$tmp/log" >&2
  echo "openapi-python-client failed or reported warnings (see above)" >&2
  exit 1
fi
# The generator prints only "Generating <dir>" when all is well; anything else is a warning.
if grep -v -e '^Generating ' -e '^$' "$tmp/log" >&2; then
  echo "openapi-python-client reported warnings (see above)" >&2
  exit 1
fi
find "$tmp/lms-client" \( -name __pycache__ -o -name .ruff_cache \) -prune -exec rm -rf {} +

if (( check )); then
  if ! diff -ru --exclude=__pycache__ "$target" "$tmp/lms-client"; then
    echo "clients/python/lms-client differs from docs/openapi.json: run clients/python/generate.sh" >&2
    exit 1
  fi
  echo "clients/python/lms-client is up to date"
else
  rm -rf "$target"
  mv "$tmp/lms-client" "$target"
  echo "generated $target"
fi
