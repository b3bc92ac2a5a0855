# Sourced by generate.sh and journey.sh: creates the pinned venv under the repository's
# target/ (gitignored) when it is missing or its requirements changed, and puts it on PATH.
# Override the location with LMS_PY_VENV.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
client_dir="$repo_root/clients/python"
venv="${LMS_PY_VENV:-$repo_root/target/clients-python-venv}"
python_bin="${PYTHON:-python3}"

stamp="$venv/.lms-requirements"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$client_dir/requirements.txt" "$stamp"; then
  echo "setting up $venv" >&2
  "$python_bin" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$client_dir/requirements.txt" >&2
  cp "$client_dir/requirements.txt" "$stamp"
fi
export PATH="$venv/bin:$PATH"
