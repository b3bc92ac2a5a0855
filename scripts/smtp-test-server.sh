#!/usr/bin/env bash
# Starts or stops the SMTP test server that the lms-notify tests send to: aiosmtpd (from
# PyPI) with the handler in scripts/smtp_spool_server.py, which writes every message it
# receives to the spool directory as <n>.eml.
#
#   scripts/smtp-test-server.sh [start]   install if missing, empty the spool, start, wait
#                                         until it accepts connections (does nothing if it
#                                         already runs)
#   scripts/smtp-test-server.sh stop      stop the server this script started
#
# A second listener on the next port (2526) requires STARTTLS, with a certificate for
# 127.0.0.1 and localhost issued by a test CA that this script creates with openssl
# (target/smtp-test-server/tls/ca.pem: what the TLS tests trust).
#
# Environment: LMS_SMTP_TEST_PORT (default 2525), LMS_SMTP_TEST_SPOOL (default
# target/smtp-test-server/spool).
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.4.6
host=127.0.0.1
port="${LMS_SMTP_TEST_PORT:-2525}"
starttls_port=$((port + 1))
dir=target/smtp-test-server
spool="${LMS_SMTP_TEST_SPOOL:-$dir/spool}"
venv="$dir/venv"
pidfile="$dir/smtpd.pid"
log="$dir/smtpd.log"

accepting() {
  python3 - "$host" "$port" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

# shellcheck source=lib/pidfile.sh
source scripts/lib/pidfile.sh

install() {
  local installed
  installed="$("$venv/bin/pip" show aiosmtpd 2>/dev/null || true)"
  if grep -qx "Version: $version" <<<"$installed"; then
    return
  fi
  echo "installing aiosmtpd $version into $venv"
  mkdir -p "$dir"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$version"
}

# A CA and a server certificate it signed (SAN 127.0.0.1 and localhost), made once.
certificates() {
  local tls="$dir/tls"
  [[ -s $tls/server.pem && -s $tls/ca.pem ]] && return
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=lms SMTP test CA" \
    -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tls/server-key.pem" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
}

start() {
  if running && accepting; then
    echo "SMTP test server already running on $host:$port (pid $(cat "$pidfile")), spool $spool"
    return
  fi
  if accepting; then
    echo "port $port on $host is taken by another process" >&2
    exit 1
  fi
  install
  rm -rf "$spool"
  mkdir -p "$spool"
  certificates
  "$venv/bin/python" scripts/smtp_spool_server.py --host "$host" --port "$port" --spool "$spool" \
    --starttls-port "$starttls_port" --tls-cert "$dir/tls/server.pem" --tls-key "$dir/tls/server-key.pem" \
    >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    if accepting; then
      echo "SMTP test server (aiosmtpd $version) is accepting connections on $host:$port (STARTTLS required on $starttls_port; pid $(cat "$pidfile")), spool $spool"
      return
    fi
    if ! running; then
      break
    fi
    sleep 0.5
  done
  echo "the SMTP test server did not start; its log:" >&2
  cat "$log" >&2
  stop
  exit 1
}

stop() { stop_pidfile "SMTP test server"; }

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
