#!/usr/bin/env bash
# lms-http with the SQLite driver only (`--no-default-features --features sqlite`): no
# PostgreSQL or MongoDB driver in its dependency tree, and a server that refuses a
# PostgreSQL or MongoDB URL by naming the feature it lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

features=(-p lms-http --no-default-features --features sqlite)
tree="$(cargo tree "${features[@]}" -e normal --prefix none)"
if grep -E '^(lms-storage-postgres|lms-storage-mongo|mongodb|sqlx-postgres) ' <<<"$tree"; then
  echo "FAILED: the SQLite-only build depends on the drivers above" >&2
  exit 1
fi
echo "the SQLite-only dependency tree has no PostgreSQL or MongoDB driver"

cargo build "${features[@]}" --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
for url in postgres://127.0.0.1:5432/postgres mongodb://127.0.0.1:27018/; do
  feature="${url%%:*}"
  feature="${feature/mongodb/mongo}"
  if output="$(LMS_DATABASE_URL="$url" "$target_dir/debug/lms-server" migrate 2>&1)"; then
    echo "FAILED: the SQLite-only server accepted $url" >&2
    exit 1
  fi
  if ! grep -q "without the \`$feature\` feature" <<<"$output"; then
    echo "FAILED: the refusal of $url does not name the \`$feature\` feature:" >&2
    echo "$output" >&2
    exit 1
  fi
  echo "refused $url, naming the \`$feature\` feature"
done
