"""The cache from the operator's side: hit/miss counts of every process,
Redis memory and keys, and invalidation by entity or by key prefix."""

from __future__ import annotations

import re

import redis.asyncio as aioredis
from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server import errors
from vitrine_server.cache import redis as redis_client
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.stats import COUNTERS, CacheStatsFlusher
from vitrine_server.validation import refs

MAX_IDS = 10_000
SCAN_COUNT = 1_000
UNLINK_BATCH = 500
# Only the cache's own namespaces: favorites, trending and the alert stream
# live only in Redis, and the cache's generation key guards its correctness.
_PREFIX = re.compile(r"^(product|category|store)(:[A-Za-z0-9:_-]*)?$")


class CacheAdmin:
    def __init__(self, cache: CacheAside, redis: aioredis.Redis, flusher: CacheStatsFlusher):
        self.cache = cache
        self.redis = redis
        self.flusher = flusher
        self.keys = cache.keys

    async def stats(self) -> api.GetCacheStatsResponse:
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
        response = api.GetCacheStatsResponse(
            redis_used_memory_bytes=int(memory.get("used_memory", 0)),
            redis_max_memory_bytes=int(memory.get("maxmemory", 0)),
            redis_keys=total_keys,
            service_keys=ours,
            redis_evicted_keys=int(info.get("evicted_keys", 0)),
        )
        for cache in sorted(counts):
            c = counts[cache]
            hits, misses = c.get("hits", 0), c.get("misses", 0)
            response.caches.add(
                cache=cache,
                hits=hits,
                misses=misses,
                bypassed=c.get("bypassed", 0),
                hit_ratio=hits / (hits + misses) if hits + misses else 0.0,
            )
        return response

    async def invalidate(self, request: api.InvalidateCacheRequest) -> api.InvalidateCacheResponse:
        target = request.WhichOneof("target")
        if target == "entities":
            keys = self._entity_keys(request.entities)
            # The write path's own invalidation: deleted in Redis (or owed
            # while it is down) and announced to every in-process tier.
            await self.cache.invalidate(keys)
            return api.InvalidateCacheResponse(invalidated_keys=len(keys))
        if target == "key_prefix":
            return api.InvalidateCacheResponse(
                invalidated_keys=await self._drop_prefix(request.key_prefix)
            )
        raise errors.InvalidArgument(
            [errors.FieldViolation("target", "set entities or key_prefix")]
        )

    def _entity_keys(self, entities: api.InvalidateCacheRequest.Entities) -> list[str]:
        v = errors.Violations()
        builders = {
            api.CACHE_ENTITY_PRODUCT: self.keys.product,
            api.CACHE_ENTITY_CATEGORY: self.keys.category,
            api.CACHE_ENTITY_STORE: self.keys.store,
        }
        build = builders.get(entities.entity)
        if build is None:
            v.add("entities.entity", "must be PRODUCT, CATEGORY or STORE")
        refs.id_list(v, "entities.ids", entities.ids, MAX_IDS)
        v.raise_if_any()
        assert build is not None
        keys = [build(i) for i in dict.fromkeys(entities.ids)]
        if entities.entity == api.CACHE_ENTITY_CATEGORY:
            keys.append(self.keys.category_tree())
        return keys

    async def _drop_prefix(self, prefix: str) -> int:
        if not _PREFIX.match(prefix):
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        "key_prefix",
                        'must start with "product", "category" or "store" (letters, digits, '
                        '":", "_" and "-" only)',
                    )
                ]
            )
        # The pattern above admits no glob characters: the prefix matches literally.
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
