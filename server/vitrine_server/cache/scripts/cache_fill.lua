-- Fill entries the caller loaded (cache/aside.py): a value is stored only
-- where the caller's lease is still in place, so a load that a write
-- overtook never puts the old value back.
-- KEYS: the entry keys.
-- ARGV: the lease token, then (value, ttl ms) per key, in KEYS' order.
-- Returns how many were stored.
local lease = 'L' .. ARGV[1]
local n = 0
for i = 1, #KEYS do
  local entry_key, value, ttl_ms = KEYS[i], ARGV[2 * i], ARGV[2 * i + 1]
  if redis.call('GET', entry_key) == lease then
    redis.call('SET', entry_key, value, 'PX', ttl_ms)
    n = n + 1
  end
end
return n
