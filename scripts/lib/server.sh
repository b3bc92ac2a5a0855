# Shared by the scripts that test a live server: builds the release binary and starts it
# on a free loopback port with a temporary SQLite database (or the database named by
# LMS_SERVER_DATABASE_URL). Source it, then call start_server; the EXIT trap stops the
# server and removes the temporary files.
# Sets LMS_SERVER_BIN, LMS_DATABASE_URL, LMS_URL and workdir.

server_pid=""
workdir="$(mktemp -d)"

stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  rm -rf "$workdir"
}
trap stop_server EXIT

fail() {
  echo "FAILED: $*" >&2
  if [[ -f "$workdir/server.log" ]]; then tail -n 20 "$workdir/server.log" >&2; fi
  exit 1
}

start_server() {
  cargo build --release -p lms-http --features postgres,mongo --quiet
  local target_dir
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  export LMS_SERVER_BIN="$target_dir/release/lms-server"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  export LMS_DATABASE_URL="${LMS_SERVER_DATABASE_URL:-sqlite:$workdir/lms.db}"
  export LMS_BIND="127.0.0.1:$port"
  export LMS_DATA_DIR="$workdir"
  export LMS_LOG="${LMS_LOG:-warn}"
  "$LMS_SERVER_BIN" >"$workdir/server.log" 2>&1 &
  server_pid=$!
  LMS_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fs "$LMS_URL/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "server exited at start"
    sleep 0.1
  done
  fail "server not ready at $LMS_URL"
}
