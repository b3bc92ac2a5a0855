#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:6379 (for the shared rate-limit tests): uses a
# running one, else starts an installed redis-server, else installs it from the Debian
# packages first. Exits non-zero if none can be had.
set -euo pipefail

ping() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if command -v redis-cli >/dev/null && ping; then
  echo "Redis is answering on 127.0.0.1:6379"
  exit 0
fi
if ! command -v redis-server >/dev/null; then
  echo "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
fi
redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
for _ in $(seq 1 50); do
  if ping; then
    echo "Redis is answering on 127.0.0.1:6379"
    exit 0
  fi
  sleep 0.1
done
echo "Redis did not start on 127.0.0.1:6379" >&2
exit 1
