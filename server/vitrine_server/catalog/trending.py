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

from vitrine.catalog.v1 import catalog_service_pb2 as api

from vitrine_server import errors
from vitrine_server.cache import redis as redis_errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.keys import TRENDING_KEEP
from vitrine_server.cache.scripts import script
from vitrine_server.catalog import convert, validate
from vitrine_server.catalog.service import ProductService
from vitrine_server.db.database import Database
from vitrine_server.validation import refs

HALF_LIFE_S = 6 * 3600
WEIGHTS: dict[int, float] = {
    api.PRODUCT_EVENT_KIND_VIEW: 0.3,
    api.PRODUCT_EVENT_KIND_FAVORITE: 0.5,
    api.PRODUCT_EVENT_KIND_CLICK_OUT: 0.2,
}
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
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

    async def record(
        self, request: api.RecordProductEventsRequest
    ) -> api.RecordProductEventsResponse:
        events = validate.product_events(request)
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
        return api.RecordProductEventsResponse(
            recorded_count=recorded, skipped_count=len(events) - recorded
        )

    async def _add(self, increments: dict[tuple[str, int, int], float]) -> None:
        """Increments per (set, product, second), in one script run."""
        sets = sorted({key for key, _, _ in increments})
        index = {key: i + 2 for i, key in enumerate(sets)}  # Lua KEYS are 1-based
        args: list[str | int | float] = [time.time(), HALF_LIFE_S, TRENDING_KEEP]
        for (key, product_id, t), weight in increments.items():
            args += [index[key], product_id, weight, t]
        with redis_errors.required():
            await self._record(keys=[self.keys.trending_epoch(), *sets], args=args)

    async def list_trending(self, request: api.ListTrendingRequest) -> api.ListTrendingResponse:
        v = errors.Violations()
        refs.optional_id(v, "category_id", request.category_id, "all")
        if not 0 <= request.limit <= MAX_LIMIT:
            v.add("limit", f"must be between 0 and {MAX_LIMIT} (0 means {DEFAULT_LIMIT})")
        v.raise_if_any()
        limit = request.limit or DEFAULT_LIMIT
        ranked, epoch = await self._ranking(self.keys.trending(request.category_id), limit)
        if not ranked:
            return api.ListTrendingResponse()
        decay = 2 ** ((epoch - time.time()) / HALF_LIFE_S)
        ids = [int(member) for member, _ in ranked]
        products = convert.products_from_entries(await self.products.live_entries(ids))
        response = api.ListTrendingResponse()
        for member, score in ranked:
            product = products.get(int(member))
            if product is not None and len(response.products) < limit:
                response.products.add(product=product, score=score * decay)
        return response

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
