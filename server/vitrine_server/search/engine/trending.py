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
TOP = 100


class Trending(Background):
    task_name = "search-trending"

    def __init__(self, redis: Any, keys: Keys):
        self._redis = redis
        self._key = keys.trending()
        # The trending products, each scoring its rank from the bottom (the
        # first scores TOP): matched with a tier of completions, the top hits
        # are its trending products in trending order. A union of one-document
        # posting lists, cheap to intersect (a term set would mark a bitmap
        # of the whole index per search).
        self.query: tantivy.Query | None = None

    async def refresh(self) -> None:
        ranked = await self._redis.zrevrange(self._key, 0, TOP - 1, withscores=True)
        clauses = [
            (
                tantivy.Occur.Should,
                tantivy.Query.const_score_query(
                    tantivy.Query.term_query(SCHEMA, "id", int(member)), float(TOP - rank)
                ),
            )
            for rank, (member, _) in enumerate(ranked)
        ]
        self.query = tantivy.Query.boolean_query(clauses) if clauses else None

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except REDIS_DOWN as err:
                log.debug("trending not refreshed (Redis: %s); keeping the last read", err)
            await asyncio.sleep(REFRESH_S)
