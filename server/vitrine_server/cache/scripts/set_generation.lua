-- Give a cache shard the generation a reconcile reached (cache/aside.py),
-- never moving it backwards.
-- KEYS: the shard's generation key. ARGV: the generation.
-- Returns the shard's generation.
local generation_key = KEYS[1]
local generation = tonumber(ARGV[1])

local current = tonumber(redis.call('GET', generation_key) or '0')
if generation > current then redis.call('SET', generation_key, ARGV[1]) end
return redis.call('GET', generation_key)
