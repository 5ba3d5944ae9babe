"""Cache hit and miss counters: plain integers in each process, summed over
every process in a Redis hash.

The hot path only adds to a dict of this process (no round trip); a
background loop adds what changed since its last flush to the hash
`{prefix}:cache:stats` (HINCRBY, fields `<cache>:<counter>`), so
AdminService.GetCacheStats sees every worker's counts, at most a flush
interval behind. A flush that fails (Redis down) is retried with what
accumulated meanwhile: nothing is counted twice or lost.

`CacheCounters.snapshot()` is this process's totals, for a metrics exporter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis

from vitrine_server.background import Background
from vitrine_server.cache.redis import REDIS_DOWN

log = logging.getLogger("vitrine.cache")

FLUSH_INTERVAL_S = 2.0
COUNTERS = ("hits", "misses", "bypassed")


class ReadCounts:
    """What cache-aside reads did: in all (`totals`) and per cache (`by_cache`,
    named after the entity of a read's first key: one read reads one kind)."""

    def __init__(self, entity_of: Callable[[str], str]):
        self.totals = {"hits": 0, "misses": 0, "bypassed": 0, "owed": 0}
        self.by_cache = CacheCounters()
        self._entity_of = entity_of

    def reads(self, keys: Sequence[str], hits: int = 0, misses: int = 0, bypassed: int = 0) -> None:
        totals = self.totals
        totals["hits"] += hits
        totals["misses"] += misses
        totals["bypassed"] += bypassed
        if keys:
            self.by_cache.add(self._entity_of(keys[0]), hits, misses, bypassed)

    def owed(self, n: int) -> None:
        """Invalidations a write could not make in Redis (owed in PostgreSQL)."""
        self.totals["owed"] += n


class CacheCounters:
    def __init__(self) -> None:
        # cache name -> [hits, misses, bypassed], this process's totals.
        self._totals: dict[str, list[int]] = {}
        self._flushed: dict[str, list[int]] = {}

    def add(self, cache: str, hits: int = 0, misses: int = 0, bypassed: int = 0) -> None:
        counts = self._totals.get(cache)
        if counts is None:
            counts = self._totals[cache] = [0, 0, 0]
        counts[0] += hits
        counts[1] += misses
        counts[2] += bypassed

    def snapshot(self) -> dict[str, dict[str, int]]:
        """This process's totals since it started, per cache."""
        return {
            cache: dict(zip(COUNTERS, counts, strict=True))
            for cache, counts in self._totals.items()
        }

    def pending(self) -> dict[str, int]:
        """Hash increments not flushed yet: {"<cache>:<counter>": delta}."""
        out = {}
        for cache, counts in self._totals.items():
            before = self._flushed.get(cache, [0, 0, 0])
            for name, now, then in zip(COUNTERS, counts, before, strict=True):
                if now != then:
                    out[f"{cache}:{name}"] = now - then
        return out

    def mark_flushed(self, flushed: dict[str, int]) -> None:
        for field, delta in flushed.items():
            cache, name = field.rsplit(":", 1)
            counts = self._flushed.setdefault(cache, [0, 0, 0])
            counts[COUNTERS.index(name)] += delta


class CacheStatsFlusher(Background):
    task_name = "cache-stats"

    def __init__(self, counters: CacheCounters, redis: aioredis.Redis, key: str):
        self.counters = counters
        self.redis = redis
        self.key = key
        self._lock = asyncio.Lock()

    async def flush(self) -> None:
        """Add this process's new counts to the shared hash (raises if Redis is down)."""
        async with self._lock:
            deltas = self.counters.pending()
            if not deltas:
                return
            async with self.redis.pipeline(transaction=True) as pipe:
                for field, delta in deltas.items():
                    pipe.hincrby(self.key, field, delta)
                await pipe.execute()
            self.counters.mark_flushed(deltas)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            try:
                await self.flush()
            except REDIS_DOWN:
                pass  # counted again next round
            except Exception:
                log.exception("cache stats flush failed")

    async def close(self) -> None:
        await super().close()
        with contextlib.suppress(Exception):  # best effort on the way out
            await self.flush()
