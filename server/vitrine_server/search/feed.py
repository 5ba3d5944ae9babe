"""The outbox read as an ordered log: what every search index follows.

A position is (tx, id): the writing transaction and the row. Readers take
rows after their cursor in (tx, id) order, and only from the final part of
the log (transactions below the oldest one still running), so a transaction
that commits late is never skipped (migrations/0017_search_engine.up.sql).
Each consumer keeps its own cursor; rows are pruned by age
(`RETENTION_S`), and a consumer whose cursor fell below the pruned
horizon rebuilds its index from the tables.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from vitrine_server.background import Background
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

log = logging.getLogger("vitrine.search.feed")

Q = load_queries(__file__, "feed.sql")

PRODUCT = "search.product"
CATEGORY = "search.category"
STORE = "search.store"

PRUNE_EVERY_S = 60.0
PRUNE_SLICE = 10_000


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A place in the log; rows strictly after it are still to apply."""

    tx: int = 0
    id: int = 0

    def as_list(self) -> list[int]:
        return [self.tx, self.id]

    @classmethod
    def of(cls, value: Iterable[int] | None) -> Position:
        if not value:
            return cls()
        tx, id_ = value
        return cls(int(tx), int(id_))


@dataclass(frozen=True, slots=True)
class Change:
    position: Position
    topic: str
    aggregate_id: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows read from the log, grouped by what they touch."""

    changes: tuple[Change, ...]

    @property
    def end(self) -> Position:
        return self.changes[-1].position

    def ids(self, topic: str) -> list[int]:
        return sorted({c.aggregate_id for c in self.changes if c.topic == topic})


class Log:
    def __init__(self, db: Database):
        self._db = db

    async def read(self, after: Position, limit: int) -> Batch | None:
        rows = await self._db.fetch(Q.read_log, after.tx, after.id, limit)
        if not rows:
            return None
        return Batch(
            tuple(Change(Position(r["tx"], r["id"]), r["topic"], r["aggregate_id"]) for r in rows)
        )

    async def start_position(self) -> Position:
        """Where to follow from after reading the tables whole, starting now."""
        row = await self._db.fetchrow(Q.start_position)
        assert row is not None
        return Position(row["tx"], row["id"])

    async def head(self) -> Position:
        """The newest row committed before this call: a consumer at or past it
        reflects every write that returned before the call."""
        row = await self._db.fetchrow(Q.head)
        return Position(row["tx"], row["id"]) if row else Position()

    async def horizon(self) -> Position:
        row = await self._db.fetchrow(Q.horizon)
        return Position(row["tx"], row["id"]) if row else Position()

    async def report(self, consumer: str, position: Position) -> None:
        await self._db.fetchval(Q.report_position, consumer, position.tx, position.id)

    async def lag(self, position: Position) -> int:
        return int(await self._db.fetchval(Q.consumer_lag, position.tx, position.id))

    async def prune(self, retention_s: float) -> int:
        """Delete the rows older than the retention (one pruner at a time over
        every instance); returns how many went."""
        async with self._db.transaction() as conn:
            if not await conn.fetchval(Q.try_prune_lock):
                return 0
            bound = await conn.fetchrow(Q.prune_bound, retention_s)
            if bound is None:
                return 0
            # The horizon moves first: a consumer that reads it after this
            # commits knows the rows below are gone, or going.
            await conn.execute(Q.advance_horizon, bound["tx"], bound["id"])
        deleted = 0
        while True:
            async with self._db.transaction() as conn:
                status = await conn.execute(Q.prune_rows, bound["tx"], bound["id"], PRUNE_SLICE)
            n = int(status.split()[-1])
            deleted += n
            if n < PRUNE_SLICE:
                return deleted


class Pruner(Background):
    """Prunes the log by age, every minute, in one process per instance (the
    advisory lock makes it one over all instances)."""

    task_name = "outbox-pruner"

    def __init__(self, feed: Log, retention_s: float):
        self._feed = feed
        self._retention_s = retention_s

    async def _run(self) -> None:
        while True:
            try:
                deleted = await self._feed.prune(self._retention_s)
                if deleted:
                    log.info("pruned %d outbox rows older than %.0f s", deleted, self._retention_s)
            except Exception as err:  # PostgreSQL away: try again next time
                log.warning("outbox pruning failed: %s", err)
            await asyncio.sleep(PRUNE_EVERY_S)
