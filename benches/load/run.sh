#!/usr/bin/env bash
# The load benchmark of the real server (issue 5): seeds a data set through the core into a
# fresh SQLite file and a fresh PostgreSQL database, starts the release lms-server on each,
# drives it with wrk from many learners' access tokens, runs a minimal poem-openapi baseline
# the same way, and prints the results table (with the ratio to the baseline).
#
# Usage: bash benches/load/run.sh            full run: 1,000 courses × 30 lessons, 100,000
#                                            learners with 2 enrollments each, 30 s a scenario
#        bash benches/load/run.sh --smoke    a few seconds, tiny data, SQLite (and PostgreSQL
#                                            when LMS_TEST_POSTGRES_URL is set, MongoDB when
#                                            LMS_TEST_MONGO_URL is); for CI
#
# Scenarios, on each backend: outline (GET /api/v1/courses/{id}/progress), paced (the same
# read over the same connections, each pausing LOAD_PACED_THINK_MS on average, default 50,
# between requests: latency below saturation), heartbeat (POST
# /api/v1/lessons/{id}/video-progress, then the stored heartbeats are counted: none may be
# lost), mixed (a few learners log in through the API, then 90 % outline reads and 10 %
# heartbeats), connections (the outline read over 10,000 keep-alive connections, each
# sending its next request as soon as it has the answer), users (10,000 connections again,
# each a user pausing LOAD_THINK_MS on average, default 5,000, between reads), complete
# (each request completes the learner's next lesson, POST /api/v1/lessons/{id}/complete, so
# every write carries an event: over LOAD_COMPLETE_CONNECTIONS connections, default 64, each
# learner's fresh enrollment in a course of 30 text lessons; the server's event relay
# delivers to one webhook subscribed to lesson.completed, registered just before, and its
# receiver (lms-load receive) must get every completion's event exactly once). The
# baseline serves the outline body the SQLite server returned, without any work.
#
# Exits non-zero when any scenario of the server had a socket error, a timeout, a non-2xx
# response, a lost heartbeat or a webhook event lost or duplicated (the baseline's errors are
# reported, not failed on).
#
# Environment (all optional): LOAD_BACKENDS (e.g. "sqlite postgres"; also sqlite-normal:
# SQLite with LMS_SQLITE_DURABILITY=normal), LOAD_COURSES,
# LOAD_LEARNERS, LOAD_ENROLLMENTS_PER_LEARNER, LOAD_ACTIVE_SESSIONS (sessions the scenarios
# rotate through; default all), LOAD_DURATION (seconds per scenario), LOAD_CONNECTIONS,
# LOAD_MAX_CONNECTIONS, LOAD_THINK_MS, LOAD_PACED_THINK_MS, LOAD_THREADS (wrk threads), LOAD_SERVER_LOG (the server's LMS_LOG,
# default info), LOAD_PERF=1 (records a perf profile of the server in every scenario and
# groups it with perf-summary.py; the numbers of such a run include perf's overhead),
# LOAD_SCENARIOS (the scenarios to run, e.g. "heartbeat"; default all seven, in the order
# above), LOAD_COMPLETE_CONNECTIONS (the complete scenario's; default 64, in smoke mode 8,
# each pausing 10 ms on average so the few smoke learners' lessons last), LOAD_WORKDIR
# (kept; default a fresh directory under target/load-bench), LOAD_RELAY=off (the server
# runs without its event relay, LMS_RELAY=off), LOAD_WEBHOOK=all (right after the server
# starts, a webhook subscribed to every event type is registered with a receiver of its
# own, so every scenario runs with the relay delivering to it; for the A/B against
# LOAD_RELAY=off), LOAD_ANALYTICS=off (the server runs without the analytics reaction and
# its watch meter, LMS_ANALYTICS=off; for the A/B of their cost),
# LMS_BENCH_POSTGRES_URL or LMS_TEST_POSTGRES_URL (a database of the server to create the
# benchmark database from; default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

mode=full
case "${1:-}" in
  --smoke) mode=smoke ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac

if [[ $mode == smoke ]]; then
  courses=${LOAD_COURSES:-5}
  learners=${LOAD_LEARNERS:-200}
  duration=${LOAD_DURATION:-3}
  connections=${LOAD_CONNECTIONS:-32}
  max_connections=${LOAD_MAX_CONNECTIONS:-1000}
  default_think_ms=200
  default_paced_think_ms=20
  complete_connections=${LOAD_COMPLETE_CONNECTIONS:-8}
  complete_think_ms=10
  warmup=1
  default_backends="sqlite${LMS_TEST_POSTGRES_URL:+ postgres}${LMS_TEST_MONGO_URL:+ mongo}"
  profile_dir=debug
  # Test targets too, so the features match `cargo test --workspace` and CI rebuilds nothing.
  build_load_tools=(cargo build --workspace --bins --tests --quiet)
else
  courses=${LOAD_COURSES:-1000}
  learners=${LOAD_LEARNERS:-100000}
  duration=${LOAD_DURATION:-30}
  connections=${LOAD_CONNECTIONS:-256}
  max_connections=${LOAD_MAX_CONNECTIONS:-10000}
  default_think_ms=5000
  default_paced_think_ms=50
  complete_connections=${LOAD_COMPLETE_CONNECTIONS:-64}
  complete_think_ms=0
  warmup=5
  default_backends="sqlite postgres"
  profile_dir=release
  build_load_tools=(cargo build --release -p lms-benches --bin lms-load --bin lms-baseline --quiet)
fi
per_learner=${LOAD_ENROLLMENTS_PER_LEARNER:-2}
think_ms=${LOAD_THINK_MS:-$default_think_ms}
paced_think_ms=${LOAD_PACED_THINK_MS:-$default_paced_think_ms}
backends=${LOAD_BACKENDS:-$default_backends}
threads=${LOAD_THREADS:-2}
server_log_level=${LOAD_SERVER_LOG:-info}
scenarios=" ${LOAD_SCENARIOS:-outline paced heartbeat mixed connections users complete} "
for scenario in $scenarios; do
  case "$scenario" in
    outline | paced | heartbeat | mixed | connections | users | complete) ;;
    *) echo "unknown scenario $scenario (LOAD_SCENARIOS)" >&2; exit 2 ;;
  esac
done
admin_url=${LMS_BENCH_POSTGRES_URL:-${LMS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
pg_database="lms_load_$$"
secret="load-benchmark-$(date +%s)-$RANDOM$RANDOM-secret-value"
lua_dir="$root/benches/load"

work=${LOAD_WORKDIR:-$root/target/load-bench/$mode-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$work"
results="$work/results.jsonl"
: >"$results"
failures=()
server_pid=""
receiver_pid=""
subscriber_pid=""
pg_created=""
mongo_created=""
mongo_url=${LMS_BENCH_MONGO_URL:-${LMS_TEST_MONGO_URL:-mongodb://127.0.0.1:27018/}}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { log "FAILED: $*"; failures+=("$*"); }

stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

stop_receiver() {
  if [[ -n "$receiver_pid" ]]; then
    kill -TERM "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
    receiver_pid=""
  fi
}

# Stops the LOAD_WEBHOOK=all receiver.
stop_subscriber() {
  if [[ -n "$subscriber_pid" ]]; then
    kill -TERM "$subscriber_pid" 2>/dev/null || true
    wait "$subscriber_pid" 2>/dev/null || true
    subscriber_pid=""
  fi
}

cleanup() {
  stop_server
  stop_receiver
  stop_subscriber
  if [[ -n "$mongo_created" ]]; then
    "$load_bin" drop-mongo --database-url "$mongo_created" >/dev/null 2>&1 || true
  fi
  if [[ -n "$pg_created" ]]; then
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -f "$work"/*.db "$work"/*.db-wal "$work"/*.db-shm "$work"/*/tokens.txt "$work"/*/mixed-tokens.txt \
    "$work"/*/complete-tokens.txt
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
if [[ ${LOAD_PERF:-0} == 1 ]] && ! command -v perf >/dev/null; then
  echo "LOAD_PERF=1 needs perf (apt-get install linux-perf)" >&2
  exit 1
fi

# Ten thousand connections need as many descriptors in wrk and in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < max_connections + 1000 )); then
  max_connections=$(( $(ulimit -n) - 1000 ))
  log "file-descriptor limit $(ulimit -n): the connections scenario uses $max_connections connections"
fi

log "building (server: release; load tools: $profile_dir)"
cargo build --release -p lms-http --features postgres,mongo --quiet
"${build_load_tools[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
server_bin="$target_dir/release/lms-server"
load_bin="$target_dir/$profile_dir/lms-load"
baseline_bin="$target_dir/$profile_dir/lms-baseline"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# User plus system CPU time of a process, in clock ticks (the fields after the command name).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# The share of all cores' time spent busy over the next half second, in whole percent.
machine_busy_percent() {
  local a b
  read -ra a < <(grep '^cpu ' /proc/stat)
  sleep 0.5
  read -ra b < <(grep '^cpu ' /proc/stat)
  local total=0 idle i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

wait_ready() { # URL PID LOGFILE
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$3" >&2; return 1; }
    sleep 0.1
  done
  return 1
}

start_lms() { # BACKEND DATABASE_URL
  local port
  port=$(free_port)
  base_url="http://127.0.0.1:$port"
  local durability=full
  [[ $1 == sqlite-normal ]] && durability=normal
  # wrk opens all of its up to 10,000 connections from 127.0.0.1: no per-address cap. The
  # complete scenario's webhook receiver listens on 127.0.0.1 too.
  LMS_DATABASE_URL="$2" LMS_BIND="127.0.0.1:$port" LMS_JWT_SECRET="$secret" LMS_SQLITE_DURABILITY="$durability" \
    LMS_RATE_LIMIT_PER_MINUTE=4000000000 LMS_LOGIN_RATE_LIMIT_PER_MINUTE=1000 LMS_MAX_CONNECTIONS_PER_ADDRESS=0 \
    LMS_WEBHOOK_ALLOW_PRIVATE=true LMS_RELAY="${LOAD_RELAY:-on}" LMS_ANALYTICS="${LOAD_ANALYTICS:-on}" LMS_LOG="$server_log_level" "$server_bin" serve >"$work/server-$1.log" 2>&1 &
  server_pid=$!
  wait_ready "$base_url/health/ready" "$server_pid" "$work/server-$1.log" || { fail "$1: server did not start"; return 1; }
  sleep 1
  idle_rss=$(rss_kb "$server_pid" VmRSS)
  log "$1: lms-server pid $server_pid on $base_url, idle RSS ${idle_rss} kB"
}

start_baseline() { # BODY_FILE
  local port
  port=$(free_port)
  base_url="http://127.0.0.1:$port"
  "$baseline_bin" "127.0.0.1:$port" "$1" >"$work/server-baseline.log" 2>&1 &
  server_pid=$!
  wait_ready "$base_url/api/v1/courses/00000000-0000-0000-0000-000000000000/progress" "$server_pid" \
    "$work/server-baseline.log" || { fail "baseline did not start"; return 1; }
  sleep 1
  idle_rss=$(rss_kb "$server_pid" VmRSS)
  log "baseline: pid $server_pid on $base_url, idle RSS ${idle_rss} kB"
}

# Runs wrk; sets `summary` to its LOADRESULT JSON and `peak_rss` to the server's peak
# resident set during the run (the kernel's high-water mark is reset first).
# Waits (up to 60 s) until the server is idle: a closed-loop scenario leaves requests queued
# after wrk has gone, and the next scenario must not be measured against that backlog.
# The machine must be idle too: after seeding, PostgreSQL's autovacuum and checkpointer
# (or anything else) would otherwise take CPU from the scenario measured next.
settle() {
  local before busy
  for _ in $(seq 1 120); do
    before=$(cpu_ticks "$server_pid")
    busy=$(machine_busy_percent)
    (( $(cpu_ticks "$server_pid") - before <= $(getconf CLK_TCK) / 20 && busy <= 15 )) && return 0
  done
  log "the server or the machine stayed busy for 60 s before the next scenario (last: ${busy}% busy)"
}

drive() { # NAME SCRIPT CONNECTIONS DURATION TOKENS [THINK_MS]
  local name=$1 script=$2 conns=$3 secs=$4 tokens=$5 think=${6:-0} out="$work/wrk-$1.txt" perf_pid=""
  settle
  echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || true
  start_load=$(load1)
  local cpu_before
  cpu_before=$(cpu_ticks "$server_pid")
  if [[ ${LOAD_PERF:-0} == 1 ]]; then
    perf record -q -e cpu-clock -F 499 -p "$server_pid" -o "$work/perf-$name.data" -- sleep "$secs" \
      >/dev/null 2>&1 &
    perf_pid=$!
  fi
  LOAD_LUA_DIR="$lua_dir" LOAD_TOKENS="$tokens" LOAD_THREADS="$threads" LOAD_CONNS="$conns" LOAD_RUN_ID="$RANDOM$RANDOM" LOAD_THINK_MS="$think" \
    wrk -t "$threads" -c "$conns" -d "${secs}s" --timeout 10s -s "$lua_dir/$script" "$base_url" >"$out" 2>&1 || true
  if [[ -n "$perf_pid" ]]; then
    wait "$perf_pid" || true
    for sort in dso symbol; do
      perf report -i "$work/perf-$name.data" --sort "$sort" --stdio 2>/dev/null \
        | grep -v -e '^#' -e '^$' | sed 's/[[:space:]]*-[[:space:]]*-[[:space:]]*$//' | head -n 60 || true
    done >"$work/perf-$name.txt"
    perf report -i "$work/perf-$name.data" --sort symbol --stdio 2>/dev/null \
      | python3 "$lua_dir/perf-summary.py" >"$work/perf-$name-summary.txt" || true
  fi
  summary=$(sed -n 's/^LOADRESULT //p' "$out")
  peak_rss=$(rss_kb "$server_pid" VmHWM || echo 0)
  server_cpu_ms=$(( ($(cpu_ticks "$server_pid") - cpu_before) * 1000 / $(getconf CLK_TCK) ))
  if [[ -z "$summary" ]]; then
    fail "$name: wrk produced no summary: $(head -c 400 "$out")"
    return 1
  fi
}

# Whether LOAD_SCENARIOS selects a scenario.
selected() { [[ $scenarios == *" $1 "* ]]; }

field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"; }
# A sample's value in a Prometheus text exposition (the first of that name).
metric() { awk -v n="$1" '$1 == n { print $2; exit }' <<<"$2"; }

# Appends the scenario's row to the results; fails the run on errors.
record() { # BACKEND SCENARIO CONNECTIONS CHECK
  local errors
  errors=$(( $(field connect_errors "$summary") + $(field read_errors "$summary") + $(field write_errors "$summary") \
    + $(field timeouts "$summary") + $(field non_2xx "$summary") ))
  printf '{"backend":"%s","scenario":"%s","connections":%d,"load1":%s,"rss_idle_kb":%d,"rss_peak_kb":%d,"server_cpu_ms":%d,"check":"%s","wrk":%s}\n' \
    "$1" "$2" "$3" "$start_load" "$idle_rss" "$peak_rss" "$server_cpu_ms" "$4" "$summary" >>"$results"
  log "$1 $2 (c=$3): $summary"
  if (( errors > 0 )); then
    if [[ $1 == baseline ]]; then
      log "baseline $2: $errors socket errors, timeouts or non-2xx responses (reported, not a failure of the server)"
    else
      fail "$1 $2: $errors socket errors, timeouts or non-2xx responses"
    fi
  fi
  [[ $4 == ok ]] || fail "$1 $2: $4"
}

tally() { "$load_bin" tally --database-url "$1" --sessions "$work/$2/sessions.tsv" ${active:+--limit "$active"}; }

# The heartbeat scenario, then the count of stored heartbeats: none acknowledged may be lost.
run_heartbeat() { # BACKEND DATABASE_URL DATA_DIR
  local backend=$1 url=$2 data=$3 before after
  before=$(tally "$url" "$backend")
  drive "$backend-heartbeat" heartbeat.lua "$connections" "$duration" "$data/tokens.txt" || return 0
  after=$(tally "$url" "$backend")
  local stored acked sent watched check=ok
  stored=$(( $(field heartbeats "$after") - $(field heartbeats "$before") ))
  watched=$(( $(field watch_time_ms "$after") - $(field watch_time_ms "$before") ))
  acked=$(( $(field requests "$summary") - $(field non_2xx "$summary") ))
  sent=$(field writes_sent "$summary")
  log "$backend heartbeat: $acked acknowledged, $sent sent, $stored stored, $watched ms watched"
  if (( stored < acked )); then
    check="lost $((acked - stored)) of $acked acknowledged heartbeats"
  elif (( stored > sent )); then
    check="stored $stored heartbeats but only $sent were sent"
  elif (( watched != stored * 5000 )); then
    check="watch time grew by $watched ms for $stored five-second heartbeats"
  fi
  record "$backend" heartbeat "$connections" "$check"
}

# The mixed session, then the count of stored heartbeats.
run_mixed() { # BACKEND DATABASE_URL DATA_DIR
  local backend=$1 url=$2 data=$3 before after stored sent check=ok
  # The mixed session starts with real logins: their tokens join the rotation.
  cp "$data/tokens.txt" "$data/mixed-tokens.txt"
  local email password lcourse llesson token logged=0
  while IFS=$'\t' read -r email password lcourse llesson; do
    token=$(curl -fs -H 'content-type: application/json' \
      --data "{\"email\":\"$email\",\"password\":\"$password\"}" "$base_url/api/v1/auth/login" \
      | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p') || true
    [[ -n "$token" ]] || { fail "$backend: login of $email failed"; continue; }
    echo "$token $lcourse $llesson" >>"$data/mixed-tokens.txt"
    logged=$((logged + 1))
  done <"$data/logins.tsv"
  log "$backend: $logged learners logged in through /api/v1/auth/login"
  before=$(tally "$url" "$backend")
  drive "$backend-mixed" mixed.lua "$connections" "$duration" "$data/mixed-tokens.txt" || return 0
  after=$(tally "$url" "$backend")
  stored=$(( $(field heartbeats "$after") - $(field heartbeats "$before") ))
  sent=$(field writes_sent "$summary")
  # Each connection may have had one heartbeat in flight, unanswered, when wrk stopped.
  if (( stored < sent - connections )); then
    check="lost heartbeats: $sent sent, $stored stored"
  fi
  log "$backend mixed: $sent heartbeats sent, $stored stored"
  record "$backend" mixed "$connections" "$check"
}

# Registers a webhook for EVENT_TYPES (a JSON array) delivering to URL; prints the answer.
register_webhook() { # DATA_DIR URL EVENT_TYPES
  local admin_token
  admin_token=$("$load_bin" admin-token --secret "$secret" --admin "$1/admin.tsv")
  curl -fsS -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
    --data "{\"url\":\"$2\",\"event_types\":$3}" "$base_url/api/v1/admin/webhooks"
}

# LOAD_WEBHOOK=all: a receiver and a webhook for every event type, for the whole run.
subscribe_all() { # BACKEND DATA_DIR
  local port url
  port=$(free_port)
  url="http://127.0.0.1:$port"
  "$load_bin" receive --bind "127.0.0.1:$port" --out "$work/webhook-all-$1.json" >"$work/receiver-all-$1.log" 2>&1 &
  subscriber_pid=$!
  wait_ready "$url/summary" "$subscriber_pid" "$work/receiver-all-$1.log" \
    || { fail "$1: the LOAD_WEBHOOK=all receiver did not start"; return 1; }
  register_webhook "$2" "$url/hook" "[]" >/dev/null || { fail "$1: the LOAD_WEBHOOK=all webhook was refused"; return 1; }
  log "$1: a webhook for every event type delivers to $url/hook"
}

# The complete scenario: a webhook receiver, a webhook subscribed to lesson.completed
# (registered now, so it gets the events written from now on: none of the other
# scenarios'), the completions, then the relay's drain and the exactly-once check.
run_complete() { # BACKEND DATA_DIR
  local backend=$1 data=$2 port recv_url hook
  "$load_bin" complete-tokens --secret "$secret" --completions "$data/completions.tsv" \
    --out "$data/complete-tokens.txt"
  port=$(free_port)
  recv_url="http://127.0.0.1:$port"
  "$load_bin" receive --bind "127.0.0.1:$port" --out "$work/webhook-$backend.json" >"$work/receiver-$backend.log" 2>&1 &
  receiver_pid=$!
  wait_ready "$recv_url/summary" "$receiver_pid" "$work/receiver-$backend.log" \
    || { fail "$backend complete: the webhook receiver did not start"; stop_receiver; return 0; }
  # The other scenarios' last writes are committed before the webhook's starting point.
  settle
  hook=$(register_webhook "$data" "$recv_url/hook" '["lesson.completed"]') \
    || { fail "$backend complete: the webhook could not be registered"; stop_receiver; return 0; }
  log "$backend: webhook $(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$hook") delivers lesson.completed to $recv_url/hook"

  drive "$backend-complete" complete.lua "$complete_connections" "$duration" "$data/complete-tokens.txt" \
    "$complete_think_ms" || { stop_receiver; return 0; }
  local acked sent not_completed exhausted
  acked=$(field completions "$summary")
  sent=$(field writes_sent "$summary")
  not_completed=$(field not_completed "$summary")
  exhausted=$(field exhausted "$summary")

  # The relay delivers after the commits: wait (up to 120 s) until the receiver has every
  # acknowledged completion's event and the server has nothing pending or retrying, or
  # until nothing more arrives for 10 s (30 s while short of the acknowledged count).
  local got metrics pending retrying distinct waited=0 last=-1 still=0
  while :; do
    got=$(curl -fs "$recv_url/summary" || true)
    metrics=$(curl -fs "$base_url/metrics" || true)
    pending=$(metric lms_events_pending "$metrics")
    retrying=$(metric lms_events_retrying "$metrics")
    distinct=$(field distinct "$got")
    distinct=${distinct:-0}
    (( distinct >= acked )) && [[ $pending == 0 && $retrying == 0 ]] && break
    if (( distinct == last )); then still=$((still + 1)); else still=0; fi
    last=$distinct
    (( waited >= 120 )) && break
    (( still >= 10 && distinct >= acked )) && break
    (( still >= 30 )) && break
    sleep 1
    waited=$((waited + 1))
  done
  got=$(curl -fs "$recv_url/summary" || true)
  stop_receiver
  [[ -n "$got" ]] || got=$(cat "$work/webhook-$backend.json" 2>/dev/null || true)

  local received duplicates lessons unreadable completed rate check=ok
  received=$(field received "$got")
  distinct=$(field distinct "$got")
  duplicates=$(field duplicates "$got")
  lessons=$(field distinct_lessons "$got")
  unreadable=$(field unreadable "$got")
  completed=$(field 'lesson\.completed' "$got")
  rate=$(awk -v n="$acked" -v us="$(field duration_us "$summary")" 'BEGIN { printf "%.0f", (us > 0 ? n * 1e6 / us : 0) }')
  log "$backend complete: $acked completions acknowledged ($rate completions/s over ${duration}s, c=$complete_connections), $sent sent;" \
    "webhook: $got after ${waited}s of draining (server: ${pending:-?} events pending, ${retrying:-?} retrying)"
  if [[ -z "$received" ]]; then
    check="no summary from the webhook receiver"
  elif (( exhausted > 0 )); then
    check="every enrollment's lessons were done: $exhausted requests completed nothing (seed more learners)"
  elif (( acked == 0 )); then
    check="no completion was acknowledged"
  elif (( not_completed > 0 )); then
    check="$not_completed completions were answered as already complete"
  elif (( distinct < acked )); then
    check="lost the events of $((acked - distinct)) of $acked acknowledged completions"
  elif (( duplicates > 0 )); then
    check="$duplicates events were delivered twice"
  elif (( distinct > sent )); then
    check="received $distinct events but only $sent completions were sent"
  elif (( lessons != distinct )); then
    check="$((distinct - lessons)) completions were delivered as two events"
  elif (( ${completed:-0} != received || unreadable > 0 )); then
    check="unexpected deliveries: $got"
  fi
  record "$backend" complete "$complete_connections" "$check"
}

run_backend() { # BACKEND DATABASE_URL
  local backend=$1 url=$2 data="$work/$1"
  log "$backend: seeding $courses courses × 30 lessons, $learners learners × $per_learner enrollments"
  "$load_bin" seed --database-url "$url" --courses "$courses" --learners "$learners" \
    --enrollments-per-learner "$per_learner" --concurrency 8 --out "$data"
  # Seeding leaves work behind (dirty pages for PostgreSQL's checkpointer, SQLite's
  # write-ahead log); done now, it does not run during a measured scenario. (No ANALYZE:
  # statistics taken while the record and outbox tables are nearly empty make PostgreSQL
  # scan them sequentially for the whole run as they grow.)
  case "$backend" in
    postgres) psql -q "$url" -c "CHECKPOINT" >/dev/null ;;
    sqlite*) if command -v sqlite3 >/dev/null; then sqlite3 "${url#sqlite:}" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; fi ;;
  esac
  active=${LOAD_ACTIVE_SESSIONS:-}
  start_lms "$backend" "$url" || return 0
  if [[ ${LOAD_WEBHOOK:-} == all ]]; then subscribe_all "$backend" "$data" || { stop_server; return 0; }; fi

  "$load_bin" tokens --secret "$secret" --sessions "$data/sessions.tsv" ${active:+--limit "$active"} --out "$data/tokens.txt"
  local first course
  read -r _ course _ <"$data/tokens.txt"
  first=$(head -n1 "$data/tokens.txt" | cut -d' ' -f1)
  curl -fs -H "authorization: Bearer $first" "$base_url/api/v1/courses/$course/progress" >"$data/outline.json" \
    || { fail "$backend: a minted token was refused"; stop_server; return 0; }
  [[ $backend == sqlite ]] && cp "$data/outline.json" "$work/outline.json"
  log "$backend: outline body $(wc -c <"$data/outline.json") bytes"

  drive "$backend-warmup" outline.lua "$connections" "$warmup" "$data/tokens.txt" || true

  selected outline && drive "$backend-outline" outline.lua "$connections" "$duration" "$data/tokens.txt" \
    && record "$backend" outline "$connections" ok
  selected paced && drive "$backend-paced" outline.lua "$connections" "$duration" "$data/tokens.txt" \
    "$paced_think_ms" && record "$backend" paced "$connections" ok
  if selected heartbeat; then run_heartbeat "$backend" "$url" "$data"; fi
  if selected mixed; then run_mixed "$backend" "$url" "$data"; fi
  selected connections && drive "$backend-connections" outline.lua "$max_connections" "$duration" \
    "$data/tokens.txt" && record "$backend" connections "$max_connections" ok
  selected users && drive "$backend-users" outline.lua "$max_connections" "$duration" "$data/tokens.txt" \
    "$think_ms" && record "$backend" users "$max_connections" ok
  # Last: its webhook would otherwise receive the other scenarios' video completions.
  if selected complete; then run_complete "$backend" "$data"; fi

  kill -0 "$server_pid" 2>/dev/null || fail "$backend: the server exited during the run (see server-$backend.log)"
  stop_server
  stop_subscriber
  local warnings errors
  warnings=$(grep -c '"level":"WARN"' "$work/server-$backend.log" || true)
  errors=$(grep -c '"level":"ERROR"' "$work/server-$backend.log" || true)
  if (( warnings + errors > 0 )); then
    grep -E '"level":"(WARN|ERROR)"' "$work/server-$backend.log" \
      | sed -n 's/.*"level":"\([A-Z]*\)".*"message":"\([^"]*\)".*/\1 \2/p' | sort | uniq -c | sort -rn \
      >"$work/server-$backend-problems.txt" || true
    # The first of them whole, for their status and route.
    grep -m 200 -E '"level":"(WARN|ERROR)"' "$work/server-$backend.log" >"$work/server-$backend-problems.log" || true
    log "$backend: the server logged $warnings warnings and $errors errors:"
    cat "$work/server-$backend-problems.txt"
  fi
  (( errors == 0 )) || fail "$backend: the server logged $errors errors"
  # The access log of a full run is gigabytes; its problems were kept above.
  [[ $mode == full ]] && : >"$work/server-$backend.log"
  return 0
}

run_baseline() {
  [[ -f "$work/outline.json" ]] || { fail "baseline: no outline body was captured from the SQLite server"; return 0; }
  start_baseline "$work/outline.json" || return 0
  local tokens="$work/sqlite/tokens.txt"
  drive baseline-warmup outline.lua "$connections" "$warmup" "$tokens" || true
  selected outline && drive baseline-outline outline.lua "$connections" "$duration" "$tokens" \
    && record baseline outline "$connections" ok
  selected paced && drive baseline-paced outline.lua "$connections" "$duration" "$tokens" "$paced_think_ms" \
    && record baseline paced "$connections" ok
  selected connections && drive baseline-connections outline.lua "$max_connections" "$duration" "$tokens" \
    && record baseline connections "$max_connections" ok
  selected users && drive baseline-users outline.lua "$max_connections" "$duration" "$tokens" "$think_ms" \
    && record baseline users "$max_connections" ok
  stop_server
}

{
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load generator (wrk, $threads threads) on the same machine"
  echo "started: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mode: $mode; backends: $backends; $courses courses, $learners learners × $per_learner enrollments;" \
    "${duration}s a scenario; $connections connections ($max_connections in the connections scenario); server LMS_LOG=$server_log_level"
} | tee "$work/machine.txt"

for backend in $backends; do
  case "$backend" in
    sqlite) run_backend sqlite "sqlite:$work/lms-load.db" ;;
    sqlite-normal) run_backend sqlite-normal "sqlite:$work/lms-load-normal.db" ;;
    postgres)
      psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" -c "CREATE DATABASE $pg_database" >/dev/null
      pg_created=1
      base="${admin_url%%\?*}"
      run_backend postgres "${base%/*}/$pg_database${admin_url#"$base"}"
      ;;
    mongo)
      # The benchmark's own database on the server of LMS_BENCH_MONGO_URL or LMS_TEST_MONGO_URL.
      mongo_rest=${mongo_url#mongodb://}
      mongo_query=""
      [[ $mongo_rest == *\?* ]] && mongo_query="?${mongo_rest#*\?}"
      mongo_created="mongodb://${mongo_rest%%[/?]*}/lms_load_$$$mongo_query"
      run_backend mongo "$mongo_created"
      ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  # The baseline runs the outline read's scenarios only.
  if [[ $backend == sqlite ]] && { selected outline || selected paced || selected connections || selected users; }; then
    run_baseline
  fi
done

echo
echo "finished: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/machine.txt"
"$load_bin" report "$results" | tee "$work/results.md"
if [[ $mode == smoke ]]; then
  echo "smoke mode checks that every scenario works; its numbers (tiny data, a debug baseline) are no measurement"
fi
echo "logs, wrk output and results: $work"
if (( ${#failures[@]} > 0 )); then
  printf 'load benchmark FAILED:\n' >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "load benchmark: every scenario passed its checks"
