-- Scenario: lesson completions, POST /api/v1/lessons/{id}/complete, each completing the next
-- lesson of one learner's enrollment in a course of text lessons only, so every successful
-- request commits a lesson.completed event (run.sh checks that its webhook gets each once).
--
-- LOAD_TOKENS is the complete-tokens file: "TOKEN LESSON1,LESSON2,…", one fresh enrollment
-- a line, its lessons in the order they unlock. Each wrk thread takes every LOAD_THREADS-th
-- line (so no two threads share an enrollment) and goes round-robin through its rows: each
-- request completes the current row's next lesson and advances that row's index at once, in
-- request(), so no lesson is ever asked for twice.
--
-- The assumption: lessons unlock one after the other, so a row's next lesson may only be
-- asked for once the response to the previous one has arrived. wrk cannot tell which
-- request a response answers, so this rests on the width of the rotation: a row comes back
-- only after every other row of its thread has had a request, that is after #rows - 1 other
-- requests, while at most (connections / threads) requests of the thread are in flight at
-- once (one per connection, no pipelining). With #rows far above that (init() refuses fewer
-- than 8 rows per connection; run.sh has one row per learner, thousands per thread), a
-- previous request would have to stay unanswered while the other connections sent
-- thousands of requests. Were it so, the server would refuse the next lesson as locked (a
-- 403, which record() fails the run on) and no event would be written: a broken assumption
-- shows as a failure, never as a miscount of completions or events.
--
-- A row whose lessons are all done is skipped. When every row of a thread is done, the thread
-- stops completing lessons: it sends GET /health/live instead, counts those as "exhausted"
-- and run.sh fails the run (give it more learners or a shorter duration).
--
-- Counters (summed over threads into the LOADRESULT line): writes_sent, the completions
-- sent; completions, the 2xx answers that report the lesson completed; not_completed, 2xx
-- answers to a completion that report it was not (the lesson was complete already: a bug of
-- the rotation); exhausted. With LOAD_THINK_MS set, each connection pauses that long on
-- average between requests (the smoke run uses it to stay within its few rows).
dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua")

extra_counters = { "completions", "not_completed", "exhausted" }
completions = 0
not_completed = 0
exhausted = 0

local rows = {}
local live = 0 -- rows with a lesson left
local i = 0

function init(args)
  local path = assert(os.getenv("LOAD_TOKENS"), "LOAD_TOKENS is not set")
  local nthreads = assert(tonumber(os.getenv("LOAD_THREADS")), "LOAD_THREADS is not set")
  local lists = {} -- one table per distinct lesson list (a few courses), shared by its rows
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == tid then
      local token, lessons = line:match("^(%S+) (%S+)$")
      assert(token, "malformed complete-tokens line " .. (n + 1))
      local list = lists[lessons]
      if not list then
        list = {}
        for id in lessons:gmatch("[^,]+") do
          list[#list + 1] = id
        end
        lists[lessons] = list
      end
      rows[#rows + 1] = { headers = { ["Authorization"] = "Bearer " .. token }, lessons = list, next = 1 }
    end
    n = n + 1
  end
  live = #rows
  local conns = tonumber(os.getenv("LOAD_CONNS") or "")
  local per_thread = conns and math.ceil(conns / nthreads) or 1
  assert(#rows >= 8 * per_thread, string.format(
    "thread %d has %d enrollments for %d connections: fewer than 8 a connection cannot keep "
      .. "each enrollment's completions in order (seed more learners)", tid, #rows, per_thread))
end

-- wrk calls request() once on the first thread's state before the run, to check the
-- request's form, and throws the answer away: a completion there would skip a lesson (the
-- row's next would then be locked). So each thread's first request completes nothing; on the
-- other threads it is sent, one GET among thousands.
local probed = false

function request()
  if not probed then
    probed = true
    return wrk.format("GET", "/health/live")
  end
  while live > 0 do
    i = i % #rows + 1
    local row = rows[i]
    local lesson = row.lessons[row.next]
    if lesson then
      row.next = row.next + 1
      if row.next > #row.lessons then
        live = live - 1
      end
      writes = writes + 1
      return wrk.format("POST", "/api/v1/lessons/" .. lesson .. "/complete", row.headers)
    end
  end
  exhausted = exhausted + 1
  return wrk.format("GET", "/health/live")
end

function response(status, headers, body)
  if status >= 200 and status < 300 and body:find('"lesson_id"', 1, true) then
    if body:find('"lesson_completed":true', 1, true) then
      completions = completions + 1
    else
      not_completed = not_completed + 1
    end
  end
end

local think_ms = tonumber(os.getenv("LOAD_THINK_MS") or "")
if think_ms and think_ms > 0 then
  function delay()
    return math.random(0, 2 * think_ms)
  end
end
