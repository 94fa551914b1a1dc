-- The ceiling: the same join-room body, posted to bench/ceiling.
package.path = "bench/?.lua;" .. package.path
require "common"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"roomId":"%s","roomKey":"%s","userId":"bench-repeat"}',
  os.getenv("BENCH_ROOM") or "AAAAAAAAAAAAAAAAAAAAAA", os.getenv("BENCH_KEY") or "123456")
done = bench_done
