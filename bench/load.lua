-- wrk script for bench/load.sh: rotates over the paths given after `--`, counts
-- responses by status class across all threads, and prints one machine-readable
-- line at the end (`KABAR key=value ...`).
--   wrk -t2 -c32 -d10s -s bench/load.lua http://127.0.0.1:PORT -- / /style.css /no-such-page/

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for _, p in ipairs(args) do
    table.insert(paths, p)
  end
  if #paths == 0 then
    paths = { "/" }
  end
  npaths = #paths
  i = 0
  n2xx, n3xx, n404, n4xx, n5xx, nother = 0, 0, 0, 0, 0, 0
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    n2xx = n2xx + 1
  elseif status >= 300 and status < 400 then
    n3xx = n3xx + 1
  elseif status == 404 then
    n404 = n404 + 1
  elseif status >= 400 and status < 500 then
    n4xx = n4xx + 1
  elseif status >= 500 and status < 600 then
    n5xx = n5xx + 1
  else
    nother = nother + 1
  end
end

function done(summary, latency, requests)
  local t = { n2xx = 0, n3xx = 0, n404 = 0, n4xx = 0, n5xx = 0, nother = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "KABAR requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      .. "connect=%d read=%d write=%d timeout=%d non2xx3xx=%d "
      .. "s2xx=%d s3xx=%d s404=%d s4xx=%d s5xx=%d sother=%d paths=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status,
    t.n2xx, t.n3xx, t.n404, t.n4xx, t.n5xx, t.nother, threads[1]:get("npaths")))
end
