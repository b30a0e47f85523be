-- wrk script for bench:http: one connection per thread (run with -t N -c N), each thread
-- sending the cookie at its position in the COOKIES env var ("|"-separated), so a connection
-- keeps one session. At the end prints one JSON line: per-thread 200 / non-200 counts and
-- latency percentiles in microseconds.
local threads = {}

function setup(thread)
  local index = #threads + 1
  local position = 0
  for cookie in string.gmatch(os.getenv("COOKIES") or "", "[^|]+") do
    position = position + 1
    if position == index then thread:set("cookie", cookie) end
  end
  table.insert(threads, thread)
end

function init(args)
  if cookie ~= nil and cookie ~= "-" then wrk.headers["Cookie"] = cookie end
  ok = 0
  failed = 0
  prepared = wrk.format("GET", wrk.path)
end

function request()
  return prepared
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local oks, faileds = {}, {}
  for _, thread in ipairs(threads) do
    table.insert(oks, tostring(thread:get("ok")))
    table.insert(faileds, tostring(thread:get("failed")))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"durationUs":%d,"ok":[%s],"failed":[%s],"socketErrors":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.duration, table.concat(oks, ","), table.concat(faileds, ","),
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
