# Sourced by generate.sh and journey.sh: installs the pinned dependencies from
# package-lock.json (npm ci) when node_modules is missing or older than the lock file.
ensure_deps() {
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "installing pinned dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}
