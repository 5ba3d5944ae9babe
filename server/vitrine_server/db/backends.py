"""At most `limit` PostgreSQL backends per process, counted as PostgreSQL
counts them, not as the pool does.

asyncpg's pool bounds the connections it holds. But when it gives up on a
connection whose statement is still running (a cancel PostgreSQL did not
acknowledge in time), it closes its socket and opens a new one at once,
while the old backend runs on until its statement ends: a table locked
under load once left 64 backends for a pool of 40. So the pool opens
connections through `connect`, which takes one of `limit` slots, and a
connection that ends while checked out (its backend possibly still busy)
gives its slot back only after `linger` seconds: longer than the
statement_timeout every pooled connection carries (db/database.py), so by
then its backend has ended too. A connection that ends idle in the pool
gives its slot back at once (its backend reads the end of the socket and
exits).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg


class BackendSlots:
    def __init__(self, limit: int, linger: float):
        self.limit = limit
        self.linger = linger
        self._free = asyncio.Semaphore(limit)
        # Backend pids of the connections checked out of the pool now.
        self._checked_out: set[int] = set()
        # Slots held for backends that may still be running (for GetStatus, tests).
        self.lingering = 0

    async def connect(self, *args: Any, **kwargs: Any) -> asyncpg.Connection:
        """The pool's `connect`: a new connection, once a slot is free (the
        wait is bounded by the pool's acquire timeout)."""
        await self._free.acquire()
        try:
            conn: asyncpg.Connection = await asyncpg.connect(*args, **kwargs)
        except BaseException:
            self._free.release()
            raise
        pid = conn.get_server_pid()
        conn.add_termination_listener(lambda _conn: self._ended(pid))
        return conn

    async def checked_out(self, conn: Any) -> None:
        """The pool's `setup`: the connection leaves the pool for a caller."""
        self._checked_out.add(conn.get_server_pid())

    def checked_in(self, conn: Any) -> None:
        """From the pool's `reset`: the connection is back, its backend idle."""
        self._checked_out.discard(conn.get_server_pid())

    def _ended(self, pid: int) -> None:
        if pid not in self._checked_out:
            self._free.release()
            return
        self._checked_out.discard(pid)
        self.lingering += 1
        asyncio.get_running_loop().call_later(self.linger, self._linger_over)

    def _linger_over(self) -> None:
        self.lingering -= 1
        self._free.release()
