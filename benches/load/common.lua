-- Shared by the wrk scenarios. Each wrk thread takes every LOAD_THREADS-th line of the
-- LOAD_TOKENS file ("TOKEN COURSE_ID LESSON_ID", one learner's enrollment a line), so no
-- two threads act on the same enrollment; the main state prints the run's summary as one
-- JSON line prefixed with LOADRESULT.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

-- This thread's share of the learners.
function load_learners()
  local path = assert(os.getenv("LOAD_TOKENS"), "LOAD_TOKENS is not set")
  local nthreads = assert(tonumber(os.getenv("LOAD_THREADS")), "LOAD_THREADS is not set")
  local rows = {}
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == tid then
      local token, course, lesson = line:match("^(%S+) (%S+) (%S+)$")
      assert(token, "malformed tokens line " .. (i + 1))
      rows[#rows + 1] = { auth = "Bearer " .. token, course = course, lesson = lesson }
    end
    i = i + 1
  end
  assert(#rows > 0, "no learners for thread " .. tid)
  return rows
end

function outline_request(row)
  return wrk.format("GET", "/api/v1/courses/" .. row.course .. "/progress", { ["Authorization"] = row.auth })
end

-- A heartbeat of a distinct five-second span and a unique event id: the n-th write of this
-- thread in run LOAD_RUN_ID.
local run_id = tonumber(os.getenv("LOAD_RUN_ID") or "0")
function heartbeat_request(row, n)
  local start = (n % 119) * 5
  local body = string.format(
    '{"intervals":[[%d,%d]],"event_id":"%08x-%04x-4000-8000-%012x"}',
    start, start + 5, run_id, tid, n)
  return wrk.format("POST", "/api/v1/lessons/" .. row.lesson .. "/video-progress",
    { ["Authorization"] = row.auth, ["Content-Type"] = "application/json" }, body)
end

writes = 0

function done(summary, latency, requests)
  local writes_sent = 0
  for _, thread in ipairs(threads) do
    writes_sent = writes_sent + (thread:get("writes") or 0)
  end
  -- A scenario's own counters (globals of each thread it names in extra_counters), summed.
  local extra = ""
  for _, name in ipairs(extra_counters or {}) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get(name) or 0)
    end
    extra = extra .. string.format(',"%s":%d', name, total)
  end
  local e = summary.errors
  io.write(string.format(
    'LOADRESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non_2xx":%d,'
      .. '"writes_sent":%d%s}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, writes_sent, extra))
end
