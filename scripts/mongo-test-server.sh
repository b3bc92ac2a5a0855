#!/usr/bin/env bash
# Starts or stops the MongoDB-compatible test server (SecantusDB, from PyPI) that the
# lms-storage-mongo tests use in CI. It presents itself as a one-member replica set, so
# transactions work, and keeps its data in memory.
#
#   scripts/mongo-test-server.sh [start]   install if missing, start, wait until it accepts
#                                          connections (does nothing if it already runs)
#   scripts/mongo-test-server.sh stop      stop the server this script started
#
# Environment: LMS_MONGO_TEST_PORT (default 27018).
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.7.0b3
host=127.0.0.1
port="${LMS_MONGO_TEST_PORT:-27018}"
dir=target/mongo-test-server
venv="$dir/venv"
pidfile="$dir/secantusd.pid"
log="$dir/secantusd.log"

accepting() {
  python3 - "$host" "$port" <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

# shellcheck source=lib/pidfile.sh
source scripts/lib/pidfile.sh

install() {
  local installed
  installed="$("$venv/bin/pip" show SecantusDB 2>/dev/null || true)"
  if grep -qx "Version: $version" <<<"$installed"; then
    return
  fi
  echo "installing SecantusDB $version into $venv"
  mkdir -p "$dir"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "SecantusDB==$version"
}

start() {
  if running && accepting; then
    echo "SecantusDB already running on $host:$port (pid $(cat "$pidfile"))"
    return
  fi
  if accepting; then
    echo "port $port on $host is taken by another process" >&2
    exit 1
  fi
  install
  "$venv/bin/secantusd-py" --host "$host" --port "$port" --storage-path :memory: >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    if accepting; then
      echo "SecantusDB $version is accepting connections on $host:$port (pid $(cat "$pidfile"))"
      return
    fi
    if ! running; then
      break
    fi
    sleep 0.5
  done
  echo "SecantusDB did not start; its log:" >&2
  cat "$log" >&2
  stop
  exit 1
}

stop() { stop_pidfile "SecantusDB"; }

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
