#!/usr/bin/env bash
# Every library crate could be published today: `cargo publish --dry-run` packages each
# one (metadata, licence files, dependencies that resolve from crates.io or from the
# crates packaged with it), and their documentation builds with warnings denied, so a
# broken intra-doc link fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packaging only: the tests of this run have compiled every crate already, and a
# verifying build of each package would compile the whole tree again.
cargo publish --workspace --dry-run --no-verify --allow-dirty --quiet

RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --quiet
echo "every library crate packages, and its documentation builds without warnings"
