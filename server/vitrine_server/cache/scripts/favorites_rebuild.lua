-- Install a favorites set rebuilt from PostgreSQL (catalog/favorites.py),
-- unless a write moved the version since the rebuild read PostgreSQL.
-- KEYS: the user's favorites set, its version counter.
-- ARGV: the version read before loading, the set's ttl seconds, members...
-- Returns 1 when installed.
local set_key, version_key = KEYS[1], KEYS[2]
local version_read, ttl_s = ARGV[1], ARGV[2]

if (redis.call('GET', version_key) or '0') ~= version_read then return 0 end
if redis.call('EXISTS', set_key) == 1 then return 0 end
redis.call('SADD', set_key, unpack(ARGV, 3))
redis.call('EXPIRE', set_key, ttl_s)
return 1
