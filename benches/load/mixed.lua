-- Scenario: a learner session mix, nine outline reads to one video heartbeat, rotating
-- through learners.
dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua")

local rows
local i = 0
local sent = 0

function init(args)
  rows = load_learners()
end

function request()
  i = i % #rows + 1
  sent = sent + 1
  if sent % 10 == 0 then
    writes = writes + 1
    return heartbeat_request(rows[i], writes)
  end
  return outline_request(rows[i])
end
