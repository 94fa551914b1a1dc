-- join-room for a live room. BENCH_USERS=repeat: the same user every time
-- (a reload: keeps its seat). BENCH_USERS=fresh: a new user per request,
-- each taking a seat (the room is sized to fit by bench/run.sh).
package.path = "bench/?.lua;" .. package.path
require "common"
local room, key = os.getenv("BENCH_ROOM"), os.getenv("BENCH_KEY")
local fresh = os.getenv("BENCH_USERS") == "fresh"
local thread_no = 0

setup = function(thread)
  thread_no = thread_no + 1
  thread:set("tag", string.format("t%d-%d", thread_no, os.time()))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"roomId":"%s","roomKey":"%s","userId":"bench-repeat"}', room, key)
local n = 0
request = function()
  if not fresh then return wrk.format() end
  n = n + 1
  return wrk.format(nil, nil, nil,
    string.format('{"roomId":"%s","roomKey":"%s","userId":"%s-%d"}', room, key, tag, n))
end
done = bench_done
