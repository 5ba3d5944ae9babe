-- Which products are among a user's favorites (catalog/favorites.py).
-- KEYS: the shard's generation key, the user's favorites set, its version.
-- ARGV: the generation, then the product ids.
-- Returns false if the cache is not trusted, {0, version} if the set is
-- missing, else {1, one membership flag per id}.
local generation_key, set_key, version_key = KEYS[1], KEYS[2], KEYS[3]
local generation = ARGV[1]

if redis.call('GET', generation_key) ~= generation then return false end
if redis.call('EXISTS', set_key) == 0 then
  return {0, redis.call('GET', version_key) or '0'}
end
return {1, redis.call('SMISMEMBER', set_key, unpack(ARGV, 2))}
