"""Concurrent primary-key reads share one query.

Python's cost is per call, not per row (measured here: 130-300 µs of CPU
per call whatever it fetches): a
PostgreSQL round trip through asyncpg costs a connection checkout and a
query's worth of Python whether it fetches one row or a hundred. Reads by
id that arrive while a query is running wait and then go together as one
`= ANY($1)` query, each row converted once. When reads crowd (the last
query served several), queries are spaced at least `min_interval` (5 ms)
apart so each gathers that interval's reads: measured here, that took a
worker from about two callers per query to fourteen, and GetProduct from
PostgreSQL from ~1.7k to ~2.7k calls/s. A read that comes alone goes out at
the end of the current loop turn and never waits.

A read only ever joins a query sent after it started, never one already
running, so it still sees every write that committed before it began.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from vitrine_server.errors import DeadlineExceeded
from vitrine_server.rpc import deadline

FetchMany = Callable[[list[Any]], Awaitable[dict[Hashable, Any]]]


class Coalescer:
    def __init__(
        self,
        fetch_many: FetchMany,
        *,
        max_in_flight: int = 1,
        max_batch: int = 10_000,
        min_interval: float = 0.005,
    ):
        self._fetch_many = fetch_many
        self.max_in_flight = max_in_flight
        self.max_batch = max_batch
        self.min_interval = min_interval
        self._last_send = 0.0
        self._last_batch_reads = 0
        self._waiting: dict[Hashable, list[asyncio.Future[Any]]] = {}
        self._in_flight = 0
        self._scheduled = False
        self.stats = {"queries": 0, "keys": 0, "reads": 0}

    async def load(self, keys: Sequence[Hashable]) -> dict[Hashable, Any]:
        """Rows by key (absent keys are left out), bounded by the caller's deadline."""
        self.stats["reads"] += 1
        loop = asyncio.get_running_loop()
        futures = []
        for key in dict.fromkeys(keys):
            fut: asyncio.Future[Any] = loop.create_future()
            self._waiting.setdefault(key, []).append(fut)
            futures.append((key, fut))
        self._schedule()
        # Without a caller deadline, the batch's own statement timeout bounds the wait.
        left = deadline.remaining()
        try:
            if left is None and len(futures) == 1:
                values = [await futures[0][1]]
            elif left is None:
                values = await asyncio.gather(*(f for _, f in futures))
            else:
                async with asyncio.timeout(left):
                    values = await asyncio.gather(*(f for _, f in futures))
        except TimeoutError:
            raise DeadlineExceeded() from None
        return {
            key: value for (key, _), value in zip(futures, values, strict=True) if value is not None
        }

    def _schedule(self) -> None:
        """Send soon: at the end of this loop turn when reads come alone;
        when they crowd (the last query served several), no sooner than
        min_interval after the last query, so that each query gathers the
        reads of that interval. Light traffic never waits."""
        if self._scheduled or self._in_flight >= self.max_in_flight or not self._waiting:
            return
        self._scheduled = True
        loop = asyncio.get_running_loop()
        at = self._last_send + self.min_interval
        if self._last_batch_reads < 2 or at <= loop.time():
            loop.call_soon(self._send)
        else:
            loop.call_at(at, self._send)

    def _send(self) -> None:
        self._scheduled = False
        self._last_send = asyncio.get_running_loop().time()
        while self._waiting and self._in_flight < self.max_in_flight:
            keys = list(self._waiting)[: self.max_batch]
            batch = {key: self._waiting.pop(key) for key in keys}
            self._last_batch_reads = sum(len(futures) for futures in batch.values())
            self._in_flight += 1
            # The batch serves many callers: no one caller's deadline applies.
            task = deadline.detached(self._run(batch), name="coalesced-read")
            task.add_done_callback(self._done)

    def _done(self, _task: asyncio.Task[None]) -> None:
        self._in_flight -= 1
        self._schedule()

    async def _run(self, batch: dict[Hashable, list[asyncio.Future[Any]]]) -> None:
        self.stats["queries"] += 1
        self.stats["keys"] += len(batch)
        try:
            rows = await self._fetch_many(list(batch))
        except BaseException as err:
            for futures in batch.values():
                for fut in futures:
                    if not fut.done():
                        fut.set_exception(err)
            if not isinstance(err, Exception):
                raise
            return
        for key, futures in batch.items():
            row = rows.get(key)
            for fut in futures:
                if not fut.done():
                    fut.set_result(row)
