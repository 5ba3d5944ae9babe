"""Trending products: Redis sorted sets with exponential time decay.

Forward decay: an event at time t adds weight * 2^((t - epoch) / half_life)
to its product's score, so old events weigh exponentially less than new
ones without ever rewriting old scores. Each sorted set keeps its own epoch;
when the exponent grows large the set is rescaled in place (same script,
so no increment ever mixes epochs). Each event counts in the overall set
and in the set of every category on its product's path, so "trending in
Eletrônicos" includes its sub-categories. Sets keep their top 1,000.

Trending is derived data: it lives in Redis only, and if Redis is lost it
starts again from new events.
"""

from __future__ import annotations

import time
from collections import OrderedDict, defaultdict

from vitrine_server import errors
from vitrine_server.cache import redis as redis_errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.keys import TRENDING_KEEP
from vitrine_server.cache.scripts import script
from vitrine_server.catalog.model import (
    EventKind,
    EventsRecorded,
    ProductEvent,
    Trending,
    TrendingQuery,
)
from vitrine_server.catalog.service import ProductService
from vitrine_server.db.database import Database

HALF_LIFE_S = 6 * 3600
WEIGHTS: dict[EventKind, float] = {
    EventKind.VIEW: 0.3,
    EventKind.FAVORITE: 0.5,
    EventKind.CLICK_OUT: 0.2,
}
# While Redis cannot answer (a Redis Cluster master failing over takes
# seconds, longer than a client's retries wait), a ranking this process read
# less than STALE_OK_S ago is served instead: trending is derived data, and a
# ranking a minute old is still a good answer. The products themselves are
# always read fresh. At most REMEMBERED rankings (set x limit) are kept.
STALE_OK_S = 60.0
REMEMBERED = 256

Ranking = tuple[list[tuple[bytes, float]], float]  # (member, score) best first; the epoch


class TrendingService:
    def __init__(self, db: Database, cache: CacheAside, products: ProductService):
        self.db = db
        self.redis = cache.redis
        self.keys = cache.keys
        self.products = products
        self._record = self.redis.register_script(script("trending_record").source)
        self._last: OrderedDict[tuple[str, int], tuple[float, Ranking]] = OrderedDict()

    async def record(self, events: list[ProductEvent]) -> EventsRecorded:
        """Count the events of known products in every set they belong to."""
        paths = await self.products.store.category_paths(list({e.product_id for e in events}))
        # Sum increments per (set, product, second) before they go to Redis.
        increments: dict[tuple[str, int, int], float] = defaultdict(float)
        recorded = 0
        for e in events:
            path = paths.get(e.product_id)
            if path is None:
                continue
            recorded += 1
            weight = WEIGHTS[e.kind] * (e.count or 1)
            for key in [self.keys.trending(), *(self.keys.trending(c) for c in path)]:
                increments[(key, e.product_id, int(e.at))] += weight
        if increments:
            await self._add(increments)
        return EventsRecorded(recorded, len(events) - recorded)

    async def _add(self, increments: dict[tuple[str, int, int], float]) -> None:
        """Increments per (set, product, second), in one script run."""
        sets = sorted({key for key, _, _ in increments})
        index = {key: i + 2 for i, key in enumerate(sets)}  # Lua KEYS are 1-based
        args: list[str | int | float] = [time.time(), HALF_LIFE_S, TRENDING_KEEP]
        for (key, product_id, t), weight in increments.items():
            args += [index[key], product_id, weight, t]
        with redis_errors.required():
            await self._record(keys=[self.keys.trending_epoch(), *sets], args=args)

    async def top(self, query: TrendingQuery) -> list[Trending]:
        """The top live products, best first, with their scores decayed to now."""
        ranked, epoch = await self._ranking(self.keys.trending(query.category_id), query.limit)
        if not ranked:
            return []
        decay = 2 ** ((epoch - time.time()) / HALF_LIFE_S)
        entries = await self.products.live_entries([int(member) for member, _ in ranked])
        found = [
            Trending(entry, score * decay)
            for member, score in ranked
            if (entry := entries.get(int(member))) is not None
        ]
        return found[: query.limit]

    async def _ranking(self, key: str, limit: int) -> Ranking:
        """The set's top 2 x limit from Redis (extra rows make up for products
        deleted since they trended), or the one last read while Redis is away."""
        try:
            with redis_errors.required():
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.zrevrange(key, 0, 2 * limit - 1, withscores=True)
                    pipe.hget(self.keys.trending_epoch(), key)
                    ranked, epoch = await pipe.execute()
        except errors.Unavailable:
            last = self._last.get((key, limit))
            if last is None or time.monotonic() - last[0] > STALE_OK_S:
                raise
            return last[1]
        ranking: Ranking = (ranked, float(epoch or time.time()))
        self._last[(key, limit)] = (time.monotonic(), ranking)
        self._last.move_to_end((key, limit))
        if len(self._last) > REMEMBERED:
            self._last.popitem(last=False)
        return ranking
