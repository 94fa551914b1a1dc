-- wrk script for tests/valgrind/run.sh: cycles through the request mix in
-- $MIX (one request per line: METHOD<TAB>Authorization or -<TAB>body or -)
-- and stops after $N responses (use -t1 -c1 for an exact count).
local reqs, i, n = {}, 0, 0
local limit = tonumber(os.getenv("N") or "10000")
for line in io.lines(os.getenv("MIX")) do
  local m, a, b = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  if m then
    local h = { ["Content-Type"] = "application/json" }
    if a ~= "-" then h["Authorization"] = a end
    reqs[#reqs + 1] = wrk.format(m, nil, h, b ~= "-" and b or nil)
  end
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
response = function(status, headers, body)
  n = n + 1
  if n >= limit then wrk.thread:stop() end
end
done = function(summary) io.write(string.format("requests=%d\n", summary.requests)) end
