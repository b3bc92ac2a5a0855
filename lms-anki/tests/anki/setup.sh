#!/usr/bin/env bash
# Creates (or reuses) the Python environment of the lms-anki real-Anki tests:
# target/anki-venv with the packages pinned in requirements.txt beside this script.
# Afterwards: LMS_TEST_ANKI_PYTHON=<workspace>/target/anki-venv/bin/python cargo test -p lms-anki
#
# Environment: LMS_ANKI_VENV (default <workspace>/target/anki-venv), PYTHON (default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
workspace="$(cd "$here/../../.." && pwd)"
venv="${LMS_ANKI_VENV:-$workspace/target/anki-venv}"
stamp="$venv/.requirements"

# Reinstall only when requirements.txt changed since the last successful install.
if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$stamp" "$here/requirements.txt"; then
  echo "anki venv up to date: $venv"
  exit 0
fi
echo "installing $(grep -v '^#' "$here/requirements.txt" | xargs) into $venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
"$venv/bin/python" -c 'import genanki; from anki.buildinfo import version; print("anki", version)'
