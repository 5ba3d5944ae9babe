"""Concurrent primary-key reads share one query.

Python's cost is per call, not per row (../shared/BENCHMARKING.md): a
PostgreSQL round trip through asyncpg costs a connection checkout and a
query's worth of Python whether it fetches one row or a hundred. Reads by
id that arrive while `max_in_flight` queries are already running wait and
then go together as one `= ANY($1)` query, so under load each query
answers many callers; when idle, a read goes out at the end of the current
loop turn.

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
    def __init__(self, fetch_many: FetchMany, *, max_in_flight: int = 2, max_batch: int = 1000):
        self._fetch_many = fetch_many
        self.max_in_flight = max_in_flight
        self.max_batch = max_batch
        self._waiting: dict[Hashable, list[asyncio.Future[Any]]] = {}
        self._in_flight = 0
        self._scheduled = False
        self.stats = {"queries": 0, "keys": 0}

    async def load(self, keys: Sequence[Hashable], default_timeout: float) -> dict[Hashable, Any]:
        """Rows by key (absent keys are left out), bounded by the caller's deadline."""
        loop = asyncio.get_running_loop()
        futures = []
        for key in dict.fromkeys(keys):
            fut: asyncio.Future[Any] = loop.create_future()
            self._waiting.setdefault(key, []).append(fut)
            futures.append((key, fut))
        if not self._scheduled and self._in_flight < self.max_in_flight:
            self._scheduled = True
            loop.call_soon(self._send)
        timeout = deadline.timeout(default_timeout)
        try:
            async with asyncio.timeout(timeout):
                values = await asyncio.gather(*(f for _, f in futures))
        except TimeoutError:
            raise DeadlineExceeded() from None
        return {
            key: value for (key, _), value in zip(futures, values, strict=True) if value is not None
        }

    def _send(self) -> None:
        self._scheduled = False
        while self._waiting and self._in_flight < self.max_in_flight:
            keys = list(self._waiting)[: self.max_batch]
            batch = {key: self._waiting.pop(key) for key in keys}
            self._in_flight += 1
            task = asyncio.ensure_future(self._run(batch))
            task.add_done_callback(self._done)

    def _done(self, _task: asyncio.Task[None]) -> None:
        self._in_flight -= 1
        if self._waiting and not self._scheduled:
            self._send()

    async def _run(self, batch: dict[Hashable, list[asyncio.Future[Any]]]) -> None:
        self.stats["queries"] += 1
        self.stats["keys"] += len(batch)
        try:
            # The batch serves many callers: no one caller's deadline applies.
            deadline.set_remaining(None)
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
