"""What operators do to search: rebuild its indexes and look at its health
(the AdminService's ReindexSearch and GetStatus call this)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import tantivy

from vitrine_server.search.engine import SearchEngine
from vitrine_server.search.meili.indexer import MeiliIndexer
from vitrine_server.search.model import SearchHealth

Progress = Callable[[int, int], Awaitable[None]]


class SearchMaintenance:
    def __init__(self, engine: SearchEngine, indexer: MeiliIndexer | None):
        self.engine = engine
        self.indexer = indexer

    async def reindex(self, progress: Progress) -> int:
        """Rebuild the embedded index into a new folder and swap it in, then
        (when configured) the MeiliSearch index; progress counts both passes."""
        passes = 2 if self.indexer else 1
        first = 0

        async def embedded_progress(done: int, total: int) -> None:
            nonlocal first
            first = total
            await progress(done, total * passes)

        count = await self.engine.reindex(embedded_progress)
        if self.indexer is not None:

            async def meili_progress(done: int, total: int) -> None:
                await progress(first + done, first + total)

            count = await self.indexer.reindex(meili_progress)
        return count

    async def health(self) -> SearchHealth:
        started = time.perf_counter()
        if self.indexer is None:
            return await self._embedded_health(started)
        client = self.indexer.client
        try:
            about = await asyncio.wait_for(asyncio.to_thread(client.get_version), 2.0)
            latency = _elapsed(started)
            pending = await self.indexer.pending()
            return SearchHealth(
                "meilisearch",
                True,
                latency,
                about.get("pkgVersion", ""),
                f"{pending} changes waiting in the outbox",
            )
        except Exception as err:  # unreachable is the answer, not an error
            return SearchHealth("meilisearch", False, _elapsed(started), "", type(err).__name__)

    async def _embedded_health(self, started: float) -> SearchHealth:
        engine = self.engine
        # "tantivy v0.27.0, index_format v7"
        version = str(getattr(tantivy, "__version__", "")).split(",")[0].removeprefix("tantivy ")
        if not engine.ready or engine.reader is None:
            return SearchHealth("tantivy", False, _elapsed(started), version, engine.problem)
        position = engine.reader.position
        detail = ""
        if position is not None:
            behind = await engine.feed.missing(position)
            detail = f"{behind} changes waiting in the outbox"
        return SearchHealth("tantivy", True, _elapsed(started), version, detail)


def _elapsed(started: float) -> float:
    return time.perf_counter() - started
