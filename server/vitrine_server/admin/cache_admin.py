"""The cache from the operator's side: hit/miss counts of every process,
Redis memory and keys, and invalidation by entity or by key prefix (checked
in validate.py)."""

from __future__ import annotations

import redis.asyncio as aioredis

from vitrine_server.admin.model import CacheStats, EntityInvalidation, PrefixInvalidation
from vitrine_server.cache import redis as redis_client
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.stats import COUNTERS, CacheStatsFlusher

SCAN_COUNT = 1_000
UNLINK_BATCH = 500


class CacheAdmin:
    def __init__(self, cache: CacheAside, redis: aioredis.Redis, flusher: CacheStatsFlusher):
        self.cache = cache
        self.redis = redis
        self.flusher = flusher
        self.keys = cache.keys

    async def stats(self) -> CacheStats:
        with redis_client.required():
            await self.flusher.flush()  # this process's latest counts, at least
            raw = await self.redis.hgetall(self.keys.cache_stats())
            memory = await redis_client.info(self.redis, "memory")
            info = await redis_client.info(self.redis, "stats")
            total_keys = await redis_client.dbsize(self.redis)
            ours = 0
            async for _ in redis_client.scan(self.redis, f"{self.keys.prefix}:*", SCAN_COUNT):
                ours += 1
        counts: dict[str, dict[str, int]] = {}
        for field, value in raw.items():
            name = field.decode() if isinstance(field, bytes) else field
            cache, _, counter = name.rpartition(":")
            if counter in COUNTERS:
                counts.setdefault(cache, {})[counter] = int(value)
        return CacheStats(
            used_memory_bytes=int(memory.get("used_memory", 0)),
            max_memory_bytes=int(memory.get("maxmemory", 0)),
            keys=total_keys,
            service_keys=ours,
            evicted_keys=int(info.get("evicted_keys", 0)),
            counts=counts,
        )

    async def invalidate(self, target: EntityInvalidation | PrefixInvalidation) -> int:
        """How many keys were invalidated."""
        if isinstance(target, EntityInvalidation):
            keys = self._entity_keys(target)
            # The write path's own invalidation: deleted in Redis (or owed
            # while it is down) and announced to every in-process tier.
            await self.cache.invalidate(keys)
            return len(keys)
        return await self._drop_prefix(target.prefix)

    def _entity_keys(self, target: EntityInvalidation) -> list[str]:
        build = {
            "product": self.keys.product,
            "category": self.keys.category,
            "store": self.keys.store,
        }[target.entity]
        keys = [build(i) for i in dict.fromkeys(target.ids)]
        if target.entity == "category":
            keys.append(self.keys.category_tree())
        return keys

    async def _drop_prefix(self, prefix: str) -> int:
        # validate.py admits no glob characters: the prefix matches literally.
        pattern = self.keys.cache_pattern(prefix)
        dropped = 0
        batch: list[bytes] = []
        with redis_client.required():
            async for key in redis_client.scan(self.redis, pattern, SCAN_COUNT):
                batch.append(key)
                if len(batch) >= UNLINK_BATCH:
                    dropped += await self._unlink(batch)
                    batch = []
            if batch:
                dropped += await self._unlink(batch)
        return dropped

    async def _unlink(self, keys: list[bytes]) -> int:
        names = [k.decode() for k in keys]
        self.cache.local.discard(names)
        # One UNLINK per key (as a raw command: redis-py's cluster pipeline runs
        # its unlink() at once, outside the pipeline): each goes to its own master.
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.execute_command("UNLINK", key)
            pipe.spublish(self.cache.channel, "\n".join(names))
            *unlinked, _ = await pipe.execute()
        return sum(int(n) for n in unlinked)
