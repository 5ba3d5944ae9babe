"""The outbox read as an ordered log: what every search index follows.

Each row records the transaction that wrote it (`tx`). A consumer's
position is the snapshot its last read saw (pg_current_snapshot(): which
transactions had committed). The next rows to apply are those visible now
and not visible in that snapshot: exactly the transactions that committed
in between, however long they ran and whatever their ids. Reading "after
the last id seen" would skip a row whose transaction committed late, since
ids are handed out at insert; reading only below the oldest running
transaction would never skip one but would lag as long as the longest
write runs (price batches run for seconds). A long stretch of the log is
read in slices, in (tx, id) order, towards a fixed target snapshot.

Rows are pruned by age (`retention_s`); a consumer whose snapshot is older
than the pruned horizon may have missed rows and rebuilds its index from
the tables (migrations/0017_search_engine.up.sql).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from vitrine_server.background import Background
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

log = logging.getLogger("vitrine.search.feed")

Q = load_queries(__package__, "feed.sql")

PRODUCT = "search.product"
CATEGORY = "search.category"
STORE = "search.store"

PRUNE_EVERY_S = 60.0
PRUNE_SLICE = 10_000
# The oldest rows looked at per pruning run (the outbox index holds no time).
PRUNE_SCAN = 200_000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A pg_snapshot: transactions below xmin are finished, those from xmax
    on had not started, those in xip were running."""

    xmin: int
    xmax: int
    xip: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        xmin, xmax, xip = text.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))

    def __str__(self) -> str:
        return f"{self.xmin}:{self.xmax}:{','.join(str(x) for x in sorted(self.xip))}"

    def sees(self, tx: int) -> bool:
        return tx < self.xmin or (tx < self.xmax and tx not in self.xip)


EMPTY = Snapshot(1, 1, frozenset())


@dataclass(frozen=True, slots=True)
class Position:
    """Every row visible in `applied` has been applied. While a stretch is
    read in slices, `target` is the snapshot being moved to and `after` the
    last (tx, id) taken towards it."""

    applied: Snapshot = EMPTY
    target: Snapshot | None = None
    after: tuple[int, int] = (0, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": str(self.applied),
            "target": str(self.target) if self.target else None,
            "after": list(self.after),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> Position:
        if not data:
            return cls()
        if isinstance(data, str):
            data = json.loads(data)
        assert isinstance(data, dict)
        target = data.get("target")
        after = data.get("after") or (0, 0)
        return cls(
            Snapshot.parse(data["applied"]),
            Snapshot.parse(target) if target else None,
            (int(after[0]), int(after[1])),
        )


@dataclass(frozen=True, slots=True)
class Change:
    tx: int
    id: int
    topic: str
    aggregate_id: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows read from the log, and the position once they are applied."""

    changes: tuple[Change, ...]
    end: Position

    def ids(self, topic: str) -> list[int]:
        return sorted({c.aggregate_id for c in self.changes if c.topic == topic})


def read_between(
    applied: Snapshot, target: Snapshot, after: tuple[int, int], limit: int
) -> tuple[Any, ...]:
    """The read_between statement and its arguments: the rows visible in
    `target` and not in `applied`, after `after` in log order. The scan
    starts at (applied.xmin, 0) at the earliest: every transaction below
    applied.xmin had finished, so `applied` sees its rows."""
    start = max(after, (applied.xmin, 0))
    return (Q.read_between, str(applied), str(target), start[0], start[1], limit)


class Log:
    def __init__(self, db: Database):
        self._db = db

    async def snapshot(self) -> Snapshot:
        return Snapshot.parse(await self._db.fetchval(Q.current_snapshot))

    async def read(self, position: Position, limit: int) -> Batch:
        """The next rows after `position` (at most `limit`), and where the
        consumer is once it applied them (moved even when there were none)."""
        target = position.target or await self.snapshot()
        rows = await self._db.fetch(*read_between(position.applied, target, position.after, limit))
        changes = tuple(Change(r["tx"], r["id"], r["topic"], r["aggregate_id"]) for r in rows)
        if len(changes) < limit:
            end = Position(target)
        else:
            end = Position(position.applied, target, (changes[-1].tx, changes[-1].id))
        return Batch(changes, end)

    async def covers(self, position: Position, snapshot: Snapshot) -> bool:
        """Whether a consumer at `position` has applied every row visible
        in `snapshot` (a search that must see the writes committed before it)."""
        rows = await self._db.fetch(*read_between(position.applied, snapshot, (0, 0), 1))
        return not rows

    async def missing(self, position: Position) -> int:
        """Rows committed now that the position has not applied."""
        return int(await self._db.fetchval(Q.missing, str(position.applied)))

    async def horizon(self) -> int:
        return int(await self._db.fetchval(Q.horizon) or 0)

    async def behind_horizon(self, position: Position) -> bool:
        return position.applied.xmin < await self.horizon()

    async def report(self, consumer: str, position: Position) -> None:
        await self._db.fetchval(Q.report_position, consumer, json.dumps(position.to_json()))

    async def prune(self, retention_s: float) -> int:
        """Delete the rows older than the retention (one pruner at a time over
        every instance); returns how many went."""
        async with self._db.transaction() as conn:
            if not await conn.fetchval(Q.try_prune_lock):
                return 0
            bound = await conn.fetchval(Q.prune_bound, retention_s, PRUNE_SCAN)
            if bound is None:
                return 0
            # The horizon moves first: a consumer that reads it after this
            # commits knows the rows below are gone, or going.
            await conn.execute(Q.advance_horizon, bound)
        deleted = 0
        while True:
            async with self._db.transaction() as conn:
                status = await conn.execute(Q.prune_rows, bound, PRUNE_SLICE)
            n = int(status.split()[-1])
            deleted += n
            if n < PRUNE_SLICE:
                return deleted


class Pruner(Background):
    """Prunes the log by age, every minute (the advisory lock makes it one
    pruner over every process and instance)."""

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
