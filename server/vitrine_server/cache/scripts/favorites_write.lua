-- Mirror a favorite added or removed (catalog/favorites.py): bump the
-- user's version, and change the set only if it exists (a missing set is
-- rebuilt from PostgreSQL).
-- KEYS: the user's favorites set, its version counter.
-- ARGV: "add" or "rem", the product id, the version's ttl seconds.
local set_key, version_key = KEYS[1], KEYS[2]
local op, product_id, ttl_s = ARGV[1], ARGV[2], ARGV[3]

redis.call('INCR', version_key)
redis.call('EXPIRE', version_key, ttl_s)
if redis.call('EXISTS', set_key) == 1 then
  if op == 'add' then redis.call('SADD', set_key, product_id)
  else redis.call('SREM', set_key, product_id) end
end
return 1
