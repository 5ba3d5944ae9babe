-- GCRA for one API key (access/ratelimit.py): how many of the calls asking
-- at once are allowed (the first ones), on Redis's clock.
-- KEYS: the key's TAT (theoretical arrival time, ms since the epoch, as text).
-- ARGV: the emission interval ms, the burst tolerance ms, calls asking.
-- Returns {calls allowed, ms until one more would be}.
local tat_key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local asking = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', tat_key) or '0')
if tat < now then tat = now end
local room = math.floor((tolerance - (tat - now)) / interval + 1e-9) + 1
local allowed = math.max(0, math.min(asking, room))
if allowed > 0 then
  tat = tat + allowed * interval
  redis.call('SET', tat_key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
end
return {allowed, math.ceil(math.max(tat - tolerance - now, 0))}
