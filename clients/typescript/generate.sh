#!/usr/bin/env bash
# Generates src/schema.d.ts (TypeScript types for every path and schema) from
# docs/openapi.json with the pinned openapi-typescript.
#
# Usage: ./generate.sh           regenerate src/schema.d.ts
#        ./generate.sh --check   regenerate into a temporary file and fail (exit 1) when it
#                                differs from the committed src/schema.d.ts
# OPENAPI_DOC overrides the input document (default: ../../docs/openapi.json).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=deps.sh
source ./deps.sh

doc="${OPENAPI_DOC:-../../docs/openapi.json}"
out=src/schema.d.ts
check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

ensure_deps

generate() {
  # Flags are part of the contract: the committed file must be reproducible from them.
  # --default-non-nullable false: a property with a `default` but not in `required` stays
  # optional (the document only uses defaults on request inputs, which may omit them).
  # --array-length: arrays with small minItems/maxItems become tuples.
  node_modules/.bin/openapi-typescript "$doc" --array-length --default-non-nullable false --output "$1" >/dev/null
}

if $check; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp/schema.d.ts"
  if ! diff -u "$out" "$tmp/schema.d.ts"; then
    echo "clients/typescript/$out is out of date with $doc: run clients/typescript/generate.sh" >&2
    exit 1
  fi
  echo "clients/typescript/$out is up to date"
else
  generate "$out"
  echo "generated clients/typescript/$out from $doc"
fi
