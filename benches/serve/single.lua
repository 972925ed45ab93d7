-- One new acta per request, each thread on its own range of mesa ids (1,000,000 mesas
-- named 1..1000000 in the synthetic election), so every request records an entry.
local threads = 0
function setup(thread)
  thread:set("first", threads * 400000)
  threads = threads + 1
end
function init(args)
  n = first
  token = os.getenv("TOKEN")
end
function request()
  n = n + 1
  local body = string.format('{"mesa":"%d","votes":{"a":%d,"b":%d,"blank":1,"null":0}}', n, n % 97, n % 89)
  return wrk.format("POST", "/api/v1/actas",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
