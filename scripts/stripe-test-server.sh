#!/usr/bin/env bash
# Starts or stops the fake Stripe that the lms-stripe tests talk to: localstripe (from
# PyPI, a stateful fake of the Stripe API) behind scripts/stripe_recording_proxy.py, which
# forwards every request unchanged and appends one JSON line per request (method, path,
# Idempotency-Key, Stripe-Version) to the request log.
#
#   scripts/stripe-test-server.sh [start]   install if missing, start both, wait until they
#                                           answer (does nothing for what already runs);
#                                           a freshly started proxy empties the request log
#   scripts/stripe-test-server.sh stop      stop what this script started
#   scripts/stripe-test-server.sh status    say what runs
#
# The tests use the proxy: LMS_TEST_STRIPE_URL=http://127.0.0.1:8421 and
# LMS_TEST_STRIPE_REQUESTS=<absolute path of the request log>.
#
# localstripe starts with --from-scratch (no state from an earlier run) and keeps its state
# in memory, also writing it to /tmp/localstripe.pickle (a fixed path in localstripe). It
# listens on all interfaces; the proxy only on 127.0.0.1.
#
# Environment: LMS_STRIPE_TEST_PORT (localstripe, default 8420; the proxy takes the next
# port), LMS_STRIPE_TEST_REQUESTS (default target/stripe-test-server/requests.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.15.10
host=127.0.0.1
port="${LMS_STRIPE_TEST_PORT:-8420}"
proxy_port=$((port + 1))
dir=target/stripe-test-server
requests="${LMS_STRIPE_TEST_REQUESTS:-$dir/requests.jsonl}"
venv="$dir/venv"

# shellcheck source=lib/pidfile.sh
source scripts/lib/pidfile.sh

# Whether an HTTP server on PORT answers (any status: localstripe wants a key for /v1/).
answering() { # PORT
  python3 - "$host" "$1" <<'PY'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/v1/balance", timeout=1).close()
except urllib.error.HTTPError:
    pass
except OSError:
    sys.exit(1)
PY
}

install() {
  local installed
  installed="$("$venv/bin/pip" show localstripe 2>/dev/null || true)"
  if grep -qx "Version: $version" <<<"$installed"; then
    return
  fi
  echo "installing localstripe $version into $venv"
  mkdir -p "$dir"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "localstripe==$version"
}

# Starts NAME (pid file PIDFILE, log LOG) on PORT with the command after `--`, unless it
# already runs, and waits until it answers.
launch() { # NAME PIDFILE LOG PORT -- COMMAND…
  local name=$1 log=$3 listen_port=$4
  pidfile=$2
  shift 5
  if running && answering "$listen_port"; then
    echo "$name already running on port $listen_port (pid $(cat "$pidfile"))"
    return
  fi
  if answering "$listen_port"; then
    echo "port $listen_port is taken by another process" >&2
    exit 1
  fi
  "$@" >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    if answering "$listen_port"; then
      echo "$name is answering on $host:$listen_port (pid $(cat "$pidfile"))"
      return
    fi
    if ! running; then
      break
    fi
    sleep 0.5
  done
  echo "$name did not start; its log:" >&2
  cat "$log" >&2
  stop
  exit 1
}

start() {
  install
  launch "localstripe $version" "$dir/localstripe.pid" "$dir/localstripe.log" "$port" -- \
    "$venv/bin/localstripe" --port "$port" --from-scratch
  pidfile="$dir/proxy.pid"
  if ! running; then
    mkdir -p "$(dirname "$requests")"
    : >"$requests"
  fi
  launch "the recording proxy" "$dir/proxy.pid" "$dir/proxy.log" "$proxy_port" -- \
    "$venv/bin/python" scripts/stripe_recording_proxy.py --host "$host" --port "$proxy_port" \
    --upstream "http://$host:$port" --log "$requests"
  echo "use LMS_TEST_STRIPE_URL=http://$host:$proxy_port LMS_TEST_STRIPE_REQUESTS=$PWD/$requests"
}

stop() {
  pidfile="$dir/proxy.pid"
  stop_pidfile "the recording proxy"
  pidfile="$dir/localstripe.pid"
  stop_pidfile "localstripe"
}

status() {
  local name
  for name in localstripe proxy; do
    pidfile="$dir/$name.pid"
    if running; then
      echo "$name: running (pid $(cat "$pidfile"))"
    else
      echo "$name: stopped"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
    ;;
esac
