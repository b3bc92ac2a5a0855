-- Scenario: one analytics report of a course, read as an admin over and over:
-- GET /api/v1/analytics/courses/{id} (LOAD_REPORT=course) or its /questions
-- (LOAD_REPORT=questions). LOAD_TOKENS holds the admin's "TOKEN COURSE_ID -" line once per
-- wrk thread (benches/load/analytics.sh).
dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua")

local suffix = ({ course = "", questions = "/questions" })[os.getenv("LOAD_REPORT") or "course"]
assert(suffix, "LOAD_REPORT must be course or questions")
local req

function init(args)
  local row = load_learners()[1]
  req = wrk.format("GET", "/api/v1/analytics/courses/" .. row.course .. suffix, { ["Authorization"] = row.auth })
end

function request()
  return req
end
