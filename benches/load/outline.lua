-- Scenario: the outline read, GET /api/v1/courses/{id}/progress, rotating through learners.
dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua")

local requests = {}
local i = 0

function init(args)
  for _, row in ipairs(load_learners()) do
    requests[#requests + 1] = outline_request(row)
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end

-- With LOAD_THINK_MS set, each connection is a user who waits between reads: a random
-- pause averaging that long, so requests arrive spread out rather than as fast as the
-- server answers. wrk times each request from its sending, not including the pause.
local think_ms = tonumber(os.getenv("LOAD_THINK_MS") or "")
if think_ms and think_ms > 0 then
  function delay()
    return math.random(0, 2 * think_ms)
  end
end
