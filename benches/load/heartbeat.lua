-- Scenario: video heartbeats, POST /api/v1/lessons/{id}/video-progress, each a new span with
-- a unique event id, rotating through learners.
dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua")

local rows
local i = 0

function init(args)
  rows = load_learners()
end

function request()
  i = i % #rows + 1
  writes = writes + 1
  return heartbeat_request(rows[i], writes)
end
