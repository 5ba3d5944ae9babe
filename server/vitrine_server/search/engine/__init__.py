"""The embedded search engine (Tantivy) of one server process: the reader
that serves searches from the shared index folder, the follower that
writes it when this process holds the folder's lock, the log pruner, and
full rebuilds (start, ReindexSearch, a fallen-behind index).

Layout and swaps: directory.py. Reading: reader.py. Writing: follower.py,
writer.py. Queries: searcher.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from vitrine_server.background import Background, cancel_and_wait
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.search import feed
from vitrine_server.search.documents import Q as DOCS
from vitrine_server.search.engine.directory import IndexDirectory
from vitrine_server.search.engine.follower import BuildSource, IndexFollower, build
from vitrine_server.search.engine.reader import IndexReader
from vitrine_server.search.engine.schema import Analyzers

log = logging.getLogger("vitrine.search.engine")

START_RETRY_S = 1.0
# The longest a search waits for the index to reach its caller's writes
# (search_read_your_writes).
CATCH_UP_S = 5.0

Progress = Callable[[int, int], Awaitable[None]]


class SearchEngine:
    def __init__(self, settings: Settings, db: Database, source: BuildSource | None = None):
        self._settings = settings
        self._db = db
        self._source = source
        self.analyzers = Analyzers()
        self.feed = feed.Log(db)
        self.directory: IndexDirectory | None = None
        self.reader: IndexReader | None = None
        self.follower: IndexFollower | None = None
        self.pruner = feed.Pruner(self.feed, settings.outbox_retention_s)
        self.read_your_writes = settings.search_read_your_writes
        self._starting: asyncio.Task[None] | None = None
        self._problem = "the search index is starting"

    @property
    def ready(self) -> bool:
        return self.reader is not None and self.reader.ready

    @property
    def problem(self) -> str:
        if self.reader is None:
            return self._problem
        return self.reader.problem

    def loops(self) -> list[Background]:
        """Its background loops (the reader and writer once it has started)."""
        return [b for b in (self.reader, self.follower, self.pruner) if b is not None]

    def start(self) -> None:
        self._starting = asyncio.create_task(self._start(), name="search-start")
        self.pruner.start()

    async def _start(self) -> None:
        """Find this database's folder, then read and write it. Needs
        PostgreSQL (the database's identity, the log's head): retried."""
        failures = 0
        while True:
            try:
                identity = str(await self._db.fetchval(DOCS.database_identity))
                started = await self.feed.snapshot()
                directory = IndexDirectory(self._settings.search_dir, identity)
                directory.ensure()
                break
            except Exception as err:  # PostgreSQL away, the folder not writable: retry
                self._problem = f"the search index cannot start yet: {err}"
                if failures == 0:
                    log.warning("%s", self._problem)
                failures += 1
                await asyncio.sleep(START_RETRY_S)
        self.directory = directory
        reader = IndexReader(directory, self.analyzers)
        self.reader = reader
        consumer = f"tantivy:{socket.gethostname()}:{directory.root}"
        self.follower = IndexFollower(
            directory, self._db, self.analyzers, reader, consumer, self._source
        )
        reader.start()
        self.follower.start()
        log.info("search index folder %s (pid %d)", directory.root, os.getpid())
        await self._until_caught_up(reader, started)

    async def _until_caught_up(self, reader: IndexReader, started: feed.Snapshot) -> None:
        """Ready once the served index holds every change committed before
        this process started."""
        while True:
            view = reader.latest
            try:
                if view is not None and await self.feed.covers(view.position, started):
                    reader.mark_ready()
                    return
            except Exception as err:  # PostgreSQL away: ask again
                log.debug("search readiness check failed: %s", err)
            await reader.changed(0.5)

    async def wait_ready(self, within: float) -> bool:
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        while not self.ready:
            if loop.time() >= until:
                return False
            await asyncio.sleep(0.02)
        return True

    async def catch_up(self) -> bool:
        """Wait until the served index reflects every write committed before
        this call (read-your-writes); False if it did not within CATCH_UP_S."""
        reader = self.reader
        if reader is None:
            return False
        now = await self.feed.snapshot()
        loop = asyncio.get_running_loop()
        until = loop.time() + CATCH_UP_S
        while True:
            view = reader.latest
            if view is not None and await self.feed.covers(view.position, now):
                return True
            if loop.time() >= until:
                return False
            if self.follower is not None:
                self.follower.poke()
            await reader.changed(min(0.05, until - loop.time()))

    async def reindex(self, progress: Progress) -> int:
        """Build a new index from PostgreSQL and publish it; searches go on
        from the current one meanwhile. Returns the number of products."""
        if self.directory is None:
            raise RuntimeError("search has not started: PostgreSQL was not reached yet")
        count = await build(self.directory, self._db, self.analyzers, progress, self._source)
        if self.reader is not None:
            self.reader.poke()
        return count

    async def close(self) -> None:
        if self._starting is not None:
            await cancel_and_wait(self._starting)
        await self.pruner.close()
        if self.follower is not None:
            await self.follower.close()
        if self.reader is not None:
            await self.reader.close()
