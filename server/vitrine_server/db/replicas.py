"""Reads that may lag go to PostgreSQL streaming replicas; read-your-writes
through consistency tokens.

A replica replays the primary's WAL a little behind it. `ReadRouter` sends
the reads that tolerate that (lists, history, stats, a cache that is
bypassed) to a replica, and everything else (writes, admin, reads inside a
write's transaction, cache fills) to the primary:

* Without a token, a read goes to a replica whose lag, as last probed, is
  within `max_lag` (VITRINE_REPLICA_MAX_LAG). It may miss writes that
  committed up to max_lag + PROBE_S ago; never more. No such replica: the
  primary.
* With a token (the primary's WAL position after a write, which the write's
  response carried in the `vitrine-consistency-token` trailer and the
  caller sends back as metadata), a read goes to a replica only once it has
  replayed past that position. If none has, it waits up to `wait`
  (VITRINE_REPLICA_WAIT) for one to, asking the replicas again (one query
  per replica however many readers wait), then goes to the primary. Either
  way it sees the write.
* Cache fills read the primary (`primary_only`): an entry filled from a
  lagging replica would outlive the lag in Redis.

Lag is measured by time, not bytes: every PROBE_S the primary's WAL
position is noted with the time; a replica's lag is the age of the oldest
noted position it has not replayed (0 when it replayed the latest). A
replica that does not answer a probe, or lags past max_lag, is skipped
until a probe says otherwise: reads never fail because of a replica.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from vitrine_server.background import Background
from vitrine_server.config import Settings
from vitrine_server.db import consistency
from vitrine_server.db.consistency import parse_lsn
from vitrine_server.db.database import Database

log = logging.getLogger("vitrine.db")

PROBE_S = 0.5
# A probe that takes longer than this counts as a replica that did not answer.
PROBE_TIMEOUT_S = 1.0


@dataclass
class Replica:
    """One replica as last probed."""

    name: str
    db: Database
    up: bool = False
    replayed: int = 0
    lag: float = 0.0
    detail: str = "not probed yet"
    # Readers waiting for the next look at its replay position.
    _looking: asyncio.Future[int] | None = field(default=None, repr=False)


@dataclass
class ReadCounts:
    """Where reads went, since the process started (metrics)."""

    replica: int = 0
    primary_no_replica: int = 0
    primary_token_timeout: int = 0
    primary_required: int = 0
    token_waits: int = 0

    def snapshot(self) -> dict[str, int]:
        return dict(self.__dict__)


class Reader(Protocol):
    """What a read-only store needs: a Database, or a ReadRouter over replicas."""

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class ReadRouter(Background):
    """The database a read runs on; fetch/fetchrow/fetchval as Database's."""

    task_name = "replica-probe"

    def __init__(self, primary: Database, replicas: list[Replica], *, max_lag: float, wait: float):
        self.primary = primary
        self.replicas = replicas
        self.max_lag = max_lag
        self.wait = wait
        self.counts = ReadCounts()
        self._next = itertools.count()
        # (monotonic time, primary WAL position) of recent probes, oldest first.
        self._history: deque[tuple[float, int]] = deque()

    @classmethod
    async def connect(cls, primary: Database, settings: Settings, *args: Any) -> ReadRouter:
        """A pool per replica of settings.replica_urls (`args`: Database.connect's)."""
        replicas = []
        for i, url in enumerate(settings.replica_urls):
            replica_db = await Database.connect(
                dataclasses.replace(settings, database_url=url), *args
            )
            replicas.append(Replica(f"replica-{i}", replica_db))
        return cls(primary, replicas, max_lag=settings.replica_max_lag, wait=settings.replica_wait)

    # -- choosing -------------------------------------------------------

    async def pick(self) -> Database:
        """The database for a read in the caller's context."""
        if not self.replicas:
            return self.primary
        if consistency.is_primary_only():
            self.counts.primary_required += 1
            return self.primary
        needed = consistency.required()
        usable = [r for r in self.replicas if r.up and r.lag <= self.max_lag]
        if not usable:
            self.counts.primary_no_replica += 1
            return self.primary
        start = next(self._next)
        ordered = usable[start % len(usable) :] + usable[: start % len(usable)]
        if needed is None:
            self.counts.replica += 1
            return ordered[0].db
        for replica in ordered:
            if replica.replayed >= needed:
                self.counts.replica += 1
                return replica.db
        return await self._wait_for(ordered, needed)

    async def for_bulk_read(self) -> Database:
        """A healthy replica for a long read of the whole catalog (a search
        index build), whatever the calling context asks; the primary when
        none is healthy. The caller copes with its lag (and with a read that
        fails)."""
        usable = [r for r in self.replicas if r.up and r.lag <= self.max_lag]
        if not usable:
            return self.primary
        self.counts.replica += 1
        return usable[next(self._next) % len(usable)].db

    async def _wait_for(self, replicas: list[Replica], needed: int) -> Database:
        """A replica once it replayed `needed`, within self.wait; else the primary."""
        self.counts.token_waits += 1
        loop = asyncio.get_running_loop()
        until = loop.time() + self.wait
        while True:
            looks = [asyncio.shield(self._look(r)) for r in replicas]
            left = until - loop.time()
            if left <= 0:
                break
            done, _ = await asyncio.wait(looks, timeout=left)
            for replica in replicas:
                if replica.up and replica.replayed >= needed:
                    self.counts.replica += 1
                    return replica.db
            if not done:
                break
            await asyncio.sleep(min(0.005, max(until - loop.time(), 0)))
        self.counts.primary_token_timeout += 1
        return self.primary

    def _look(self, replica: Replica) -> asyncio.Future[int]:
        """The replica's replay position, asked once for every reader waiting."""
        if replica._looking is None or replica._looking.done():
            replica._looking = asyncio.ensure_future(self._replayed(replica))
        return replica._looking

    async def _replayed(self, replica: Replica) -> int:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                value = await replica.db.pool.fetchval("SELECT pg_last_wal_replay_lsn()::text")
        except Exception:
            return replica.replayed
        replica.replayed = max(replica.replayed, parse_lsn(value or "") or 0)
        return replica.replayed

    # -- reading --------------------------------------------------------

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await (await self.pick()).fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        return await (await self.pick()).fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await (await self.pick()).fetchval(query, *args)

    # -- probing ----------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self.probe()
            except Exception:  # keep probing whatever happens
                log.exception("replica probe failed")
            await asyncio.sleep(PROBE_S)

    async def probe(self) -> None:
        """Note the primary's position, then each replica's replay and lag."""
        now = time.monotonic()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                current = await self.primary.pool.fetchval("SELECT pg_current_wal_lsn()::text")
            lsn = parse_lsn(current or "")
            if lsn is not None and (not self._history or self._history[-1][1] < lsn):
                self._history.append((now, lsn))
        except Exception:
            pass  # the primary away: replicas keep their last lag until it is back
        horizon = now - max(self.max_lag * 4, 60.0)
        while len(self._history) > 1 and self._history[0][0] < horizon:
            self._history.popleft()
        await asyncio.gather(*(self._probe(r, now) for r in self.replicas))

    async def _probe(self, replica: Replica, now: float) -> None:
        was_usable = replica.up and replica.lag <= self.max_lag
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                value = await replica.db.pool.fetchval("SELECT pg_last_wal_replay_lsn()::text")
            replayed = parse_lsn(value or "")
            if replayed is None:
                raise ValueError("not a replica (no WAL replayed)")
        except Exception as err:
            replica.up = False
            replica.detail = f"unreachable: {type(err).__name__}"
        else:
            replica.up = True
            replica.replayed = max(replica.replayed, replayed)
            behind = [t for t, lsn in self._history if lsn > replica.replayed]
            replica.lag = now - behind[0] if behind else 0.0
            if replica.lag > self.max_lag:
                replica.detail = f"skipped: lag {replica.lag:.1f}s > {self.max_lag:g}s"
            else:
                replica.detail = f"serving reads, lag {replica.lag:.2f}s"
        usable = replica.up and replica.lag <= self.max_lag
        if usable != was_usable:
            log.log(
                logging.INFO if usable else logging.WARNING, "%s: %s", replica.name, replica.detail
            )

    async def close(self) -> None:
        await super().close()
        for replica in self.replicas:
            await replica.db.close()
