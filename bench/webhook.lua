-- wrk script: POSTs batches of 100 mixed Janus events (sessions, handles,
-- AudioBridge joined/left in bench-room, seated as bench/run.sh sets it up,
-- and ignored kinds) to /mrb/event-webhook. Every
-- batch differs (ids and timestamps), so none is dropped as a duplicate.
local user = os.getenv("MRB_WEBHOOK_AUTH") or "janus-b:mrb-dev-webhook-password-b"
local function b64(s)
  local t = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  return ((s:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return t:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#s % 3 + 1])
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. b64(user)
-- the emitter: bench/run.sh registers a disabled server of its own, so the
-- sessions and handles these events add never count against a real one
local emitter = os.getenv("BENCH_EMITTER") or "janus-b"
local counter = 0
request = function()
  counter = counter + 1
  local base = (os.time() % 100000) * 1000000 + counter * 100 + math.random(0, 99)
  local ev = {}
  for i = 0, 99 do
    local id = base * 100 + i
    local k = i % 5
    local e
    if k == 0 then
      e = string.format('{"emitter":"%s","type":1,"timestamp":%d,"session_id":%d,"event":{"name":"created"}}', emitter, id, id)
    elseif k == 1 then
      e = string.format('{"emitter":"%s","type":2,"timestamp":%d,"session_id":%d,"handle_id":%d,"event":{"name":"attached","plugin":"janus.plugin.audiobridge"}}', emitter, id, id - 1, id)
    elseif k == 2 then
      e = string.format('{"emitter":"%s","type":64,"timestamp":%d,"session_id":%d,"handle_id":%d,"opaque_id":"bench-%d","event":{"plugin":"janus.plugin.audiobridge","data":{"event":"joined","room":"bench-room","id":"%d","display":"bench"}}}', emitter, id, id - 2, id - 1, id % 50, id)
    elseif k == 3 then
      e = string.format('{"emitter":"%s","type":64,"timestamp":%d,"event":{"plugin":"janus.plugin.audiobridge","data":{"event":"left","room":"bench-room","id":"%d"}}}', emitter, id, id - 1)
    else
      e = string.format('{"emitter":"%s","type":32,"timestamp":%d,"event":{"media":"audio"}}', emitter, id)
    end
    ev[#ev + 1] = e
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(ev, ",") .. "]")
end
package.path = "bench/?.lua;" .. package.path
require "common"
done = bench_done -- rps here is batches/s: 100 events each
