-- wrk script: every connection is one person holding the three-turn pension conversation
-- (greet, ask, national code) again and again, each time as a new user (its session cookie kept). Run with -t N -c N so
-- that a thread has exactly one connection and a person's turns never overlap.
local next_id = 1
local codes = {"0016383230", "0023564806", "0036064548", "0041021150"}

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local turn, talk, cookie = 0, 0, nil

function request()
  turn = turn % 3 + 1
  if turn == 1 then talk = talk + 1; cookie = nil end  -- a new person: no web-session cookie yet
  local user = "wrk-" .. id .. "-" .. talk
  local text
  if turn == 1 then text = "سلام" elseif turn == 2 then text = "وضعیت مستمری" else text = codes[talk % 4 + 1] end
  local headers = {["Content-Type"] = "application/json"}
  if cookie then headers["Cookie"] = cookie end
  return wrk.format("POST", "/api/chat", headers, '{"user":"' .. user .. '","text":"' .. text .. '"}')
end

-- the web session is a cookie: keep the one the bot set, so the three turns are one person's
function response(status, headers, body)
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if set then cookie = set:match("^([^;]+)") end
end

function done(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "seconds": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
