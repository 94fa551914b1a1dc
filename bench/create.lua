-- create-room with a host token (BENCH_TOKEN): every request creates a real
-- AudioBridge room (BENCH_ROOM_TYPE=video: a VideoRoom room) on a real
-- Janus. Rooms live 60 s (bench/run.sh destroys them right after the run).
package.path = "bench/?.lua;" .. package.path
require "common"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = string.format('{"roomNm":"bench","roomKey":"123456","maxParticipants":2,"ttlSeconds":60,"roomType":"%s"}',
  os.getenv("BENCH_ROOM_TYPE") or "audio")
done = bench_done
