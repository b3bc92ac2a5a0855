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
