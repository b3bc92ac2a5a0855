# A background test server recorded in a pid file: whether it runs, and stopping it.
# The sourcing script sets `pidfile`.

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# Stops the server (SIGTERM, then SIGKILL after 5 s) and says so as NAME.
stop_pidfile() { # NAME
  if running; then
    local pid
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
    echo "$1 stopped"
  fi
  rm -f "$pidfile"
}
