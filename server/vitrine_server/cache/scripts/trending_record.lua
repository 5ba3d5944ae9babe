-- Add product events to trending sorted sets with forward decay
-- (catalog/trending.py); each set keeps its own epoch, rescaled in place
-- when the exponent grows large, and its top `keep` members.
-- KEYS: the hash of epochs by set name, then the sorted sets.
-- ARGV: now, half-life, keep, then (set index in KEYS, member, weight,
-- time) groups.
local epochs_key = KEYS[1]
local first_set = 2
local now, hl, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local first_event = 4

local epochs = {}
for i = first_set, #KEYS do
  local set_key = KEYS[i]
  local e = tonumber(redis.call('HGET', epochs_key, set_key))
  if not e then
    e = now
    redis.call('HSET', epochs_key, set_key, e)
  elseif (now - e) / hl > 64 then
    local k = math.floor((now - e) / hl)
    redis.call('ZUNIONSTORE', set_key, 1, set_key, 'WEIGHTS', 2 ^ (-k))
    e = e + k * hl
    redis.call('HSET', epochs_key, set_key, e)
  end
  epochs[i] = e
end
for j = first_event, #ARGV, 4 do
  local idx = tonumber(ARGV[j])
  local inc = tonumber(ARGV[j + 2]) * 2 ^ ((tonumber(ARGV[j + 3]) - epochs[idx]) / hl)
  redis.call('ZINCRBY', KEYS[idx], inc, ARGV[j + 1])
end
for i = first_set, #KEYS do
  local n = redis.call('ZCARD', KEYS[i])
  if n > keep then redis.call('ZREMRANGEBYRANK', KEYS[i], 0, n - keep - 1) end
end
return 1
