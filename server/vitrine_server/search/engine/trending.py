"""What is trending, for completions to break ties with: the overall
trending sorted set (Redis, catalog/trending.py), its top products read
every REFRESH_S into this process. Never read per keystroke; Redis away
only means the last list read stays (or none: reviews alone decide)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import tantivy

from vitrine_server.background import Background
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.search.engine.schema import SCHEMA

log = logging.getLogger("vitrine.search.trending")

REFRESH_S = 30.0
TOP = 1000


class Trending(Background):
    task_name = "search-trending"

    def __init__(self, redis: Any, keys: Keys):
        self._redis = redis
        self._key = keys.trending()
        # Product id -> score (only their order matters: one set, one decay).
        self.scores: dict[int, float] = {}
        # The products above, as a filter.
        self.query: tantivy.Query | None = None

    async def refresh(self) -> None:
        ranked = await self._redis.zrevrange(self._key, 0, TOP - 1, withscores=True)
        scores = {int(member): float(score) for member, score in ranked}
        self.scores = scores
        self.query = tantivy.Query.term_set_query(SCHEMA, "id", list(scores)) if scores else None

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except REDIS_DOWN as err:
                log.debug("trending not refreshed (Redis: %s); keeping the last read", err)
            await asyncio.sleep(REFRESH_S)
