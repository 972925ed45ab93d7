-- One new acta per request, each thread on its own range of mesa ids (the synthetic
-- election's mesas are named 1..N), so every request records an entry. Thread k starts
-- at OFFSET + k * 400000. TOKENS is a comma-separated list of submitters' tokens (a
-- server lets one token have 4 requests in progress, as a submitter would): request n
-- uses token n mod the count, so the connections share them evenly.
local threads = 0
function setup(thread)
  thread:set("first", threads * 400000)
  threads = threads + 1
end
function init(args)
  -- OFFSET separates the ranges of two wrk processes (one per server).
  n = first + tonumber(os.getenv("OFFSET") or "0")
  tokens = {}
  for t in string.gmatch(os.getenv("TOKENS") or os.getenv("TOKEN"), "[^,]+") do
    tokens[#tokens + 1] = t
  end
end
function request()
  n = n + 1
  local body = string.format('{"mesa":"%d","votes":{"a":%d,"b":%d,"blank":1,"null":0}}', n, n % 97, n % 89)
  local token = tokens[n % #tokens + 1]
  return wrk.format("POST", "/api/v1/actas",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
