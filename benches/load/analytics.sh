#!/usr/bin/env bash
# The analytics endpoints through the real server against the number of enrollments
# (issue 19): GET /api/v1/analytics/courses/{id} and its /questions, on SQLite databases
# holding what the analytics reaction keeps for 1,000 to 1,000,000 learners of one course.
#
# 1. The analytics bench (benches/benches/analytics.rs) feeds the reaction each size's
#    events on the in-memory store and loads the result into a SQLite file through the
#    backup port (LMS_ANALYTICS_BENCH_LOAD_SQLITE=1), kept here (LMS_ANALYTICS_BENCH_KEEP).
#    Its own table, printed at the end of its log, times the reports in process. A
#    million learners take about 40 minutes and 17 GiB of memory at the peak (the in-memory
#    store and the copy a backup of it reads from).
# 2. For each database, the release lms-server serves it; once its start-up retention
#    purge is over and it is idle, an admin made with `lms-server create-admin` signs in,
#    and wrk reads each report over ANALYTICS_CONNECTIONS connections for
#    ANALYTICS_DURATION seconds.
#
# Usage: bash benches/load/analytics.sh
# Environment (all optional): ANALYTICS_SIZES (learner counts, default
# 1000,10000,100000,1000000), ANALYTICS_DURATION (seconds per report and size, default 20),
# ANALYTICS_CONNECTIONS (default 4), ANALYTICS_WORKDIR (kept; default a fresh directory
# under target/load-bench), ANALYTICS_REUSE=1 (skip step 1: the work directory already
# holds the databases).
#
# Exits non-zero when a request failed, answered other than 200, or a report did not count
# every learner.
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=${ANALYTICS_SIZES:-1000,10000,100000,1000000}
duration=${ANALYTICS_DURATION:-20}
connections=${ANALYTICS_CONNECTIONS:-4}
threads=2
work=${ANALYTICS_WORKDIR:-target/load-bench/analytics-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
lua_dir="$PWD/benches/load"
log() { printf '[analytics %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT
fail() { log "FAILED: $*"; exit 1; }
# User plus system CPU time of a process, in clock ticks (the fields after the command name).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# Waits until the server has used under 2 % of a core for a second. As it starts, the
# server's retention purge deletes the analytics markers older than 30 days: on these
# databases, whose events are dated months back, every marker, which takes minutes at a
# million learners. The reports are measured after it, not against it.
settle() {
  local before
  for _ in $(seq 1 1200); do
    before=$(cpu_ticks "$server_pid")
    sleep 1
    (( $(cpu_ticks "$server_pid") - before <= $(getconf CLK_TCK) / 50 )) && return 0
  done
  fail "the server stayed busy for 20 minutes"
}

command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

if [[ ${ANALYTICS_REUSE:-0} != 1 ]]; then
  log "feeding and loading $sizes learners (log: $work/bench.log)"
  LMS_ANALYTICS_BENCH_LOAD_SQLITE=1 LMS_ANALYTICS_BENCH_KEEP="$work" LMS_BENCH_BACKENDS=memory \
    LMS_ANALYTICS_BENCH_SIZES="$sizes" cargo bench -p lms-benches --bench analytics >"$work/bench.log" 2>&1 ||
    fail "the analytics bench failed: $(tail -n 20 "$work/bench.log")"
fi

log "building the release server"
cargo build --release -p lms-http --quiet
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
server_bin="$target_dir/release/lms-server"
password="analytics-bench-password"
secret=$(head -c 32 /dev/urandom | base64)

results="$work/results.jsonl"
: >"$results"
for learners in ${sizes//,/ }; do
  db="$work/analytics-$learners.db"
  [[ -f $db ]] || fail "no database for $learners learners in $work"
  course=$(cat "$work/analytics-$learners.course")
  export LMS_DATABASE_URL="sqlite:$db" LMS_JWT_SECRET="$secret" LMS_LOG=warn \
    LMS_RATE_LIMIT_PER_MINUTE=4000000000 LMS_DATA_DIR="$work"
  email="admin-$learners.$(date +%s%N)@example.com"
  "$server_bin" create-admin --email "$email" --password "$password" >/dev/null ||
    fail "create-admin on $db"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base_url="http://127.0.0.1:$port"
  LMS_BIND="127.0.0.1:$port" "$server_bin" >"$work/server-$learners.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$base_url/health/ready" && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited: $(tail -n 20 "$work/server-$learners.log")"
    sleep 0.1
  done
  started=$SECONDS
  settle
  log "$learners learners: the server was idle $((SECONDS - started)) s after it started"
  token=$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base_url/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  enrollments=$(curl -fsS -H "Authorization: Bearer $token" "$base_url/api/v1/analytics/courses/$course" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["enrollments"])')
  [[ $enrollments == "$learners" ]] || fail "$learners learners fed, the report counts $enrollments"
  tokens="$work/tokens-$learners.txt"
  for _ in $(seq 1 "$threads"); do echo "$token $course -"; done >"$tokens"
  for report in course questions; do
    out="$work/wrk-$learners-$report.txt"
    LOAD_LUA_DIR="$lua_dir" LOAD_TOKENS="$tokens" LOAD_THREADS="$threads" LOAD_REPORT="$report" \
      wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 10s -s "$lua_dir/analytics.lua" "$base_url" \
      >"$out" 2>&1 || true
    summary=$(sed -n 's/^LOADRESULT //p' "$out")
    [[ -n $summary ]] || fail "wrk produced no summary: $(head -c 400 "$out")"
    python3 - "$summary" "$learners" "$report" "$connections" >>"$results" <<'PY' || fail "$report with $learners learners: $(cat "$out")"
import json, sys
s, learners, report, connections = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
errors = sum(s[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "non_2xx"))
if errors or not s["requests"]:
    sys.exit(f"{errors} failed requests of {s['requests']}")
print(json.dumps({"learners": learners, "report": report, "connections": connections,
                  "requests_per_s": round(s["requests"] / (s["duration_us"] / 1e6)),
                  "p50_us": s["p50_us"], "p95_us": s["p95_us"], "p99_us": s["p99_us"], "max_us": s["max_us"]}))
PY
    log "$learners learners, $report: $(tail -n 1 "$results")"
  done
  stop_server
done

echo
echo "| learners | report | requests/s | P50 | P95 | P99 | max |"
echo "| --: | --- | --: | --: | --: | --: | --: |"
python3 - "$results" <<'PY'
import json, sys
ms = lambda us: f"{us / 1000:.2f} ms"
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"| {r['learners']:,} | {r['report']} | {r['requests_per_s']:,} | {ms(r['p50_us'])} | "
          f"{ms(r['p95_us'])} | {ms(r['p99_us'])} | {ms(r['max_us'])} |")
PY
echo
echo "$connections connections, ${duration} s per report and size; results in $work"
