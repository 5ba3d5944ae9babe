-- The cache-aside read (cache/aside.py): each entry, or a lease on it for
-- the caller to load and fill. Serves nothing unless this shard holds the
-- generation the caller knows (the cache is trusted).
-- KEYS: the shard's generation key, then the entry keys.
-- ARGV: the lease token, the lease's ms, the generation.
-- Returns false when not trusted, else one value per entry key: the
-- entry, or "" when the caller now holds the lease.
local generation_key = KEYS[1]
local first_entry = 2
local token, lease_ms, generation = ARGV[1], ARGV[2], ARGV[3]

if redis.call('GET', generation_key) ~= generation then return false end
local out = {}
for i = first_entry, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v then
    out[i - 1] = v
  else
    redis.call('SET', KEYS[i], 'L' .. token, 'PX', lease_ms)
    out[i - 1] = ''
  end
end
return out
