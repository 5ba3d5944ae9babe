"""PostgreSQL access: one asyncpg pool per process, bounded by the caller's
deadline, with driver errors translated into domain errors.

Stores call `db.fetch(Q.name, ...)` with a constant statement text from a
.sql file; asyncpg prepares it once per connection and reuses it. The pool
starts empty and connects on demand, so the service starts (and answers
UNAVAILABLE) while PostgreSQL is down, and recovers on its own when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from vitrine_server import errors
from vitrine_server.config import Settings
from vitrine_server.rpc import deadline

log = logging.getLogger("vitrine.db")

# Errors that mean "PostgreSQL is not there", not "this query is wrong".
_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # The database is missing (not created yet, or dropped): nothing to serve
    # from until it exists, like a server that is down.
    asyncpg.InvalidCatalogNameError,
)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool.

    asyncpg's default reset costs a round trip per release (advisory unlock,
    CLOSE ALL, UNLISTEN, RESET ALL). The service leaves no session state
    behind: no LISTEN, no session advisory locks, no SET, and transactions
    are always closed by their context manager (asyncpg still rolls back a
    dangling one before calling this).
    """


def translate(err: BaseException) -> errors.VitrineError | None:
    """The domain error for a driver error, or None if it is a bug."""
    if isinstance(err, asyncpg.QueryCanceledError | TimeoutError):
        return errors.DeadlineExceeded()
    if isinstance(err, asyncpg.SerializationError | asyncpg.DeadlockDetectedError):
        return errors.Aborted(
            "a concurrent transaction conflicted with this one; retry", reason="CONCURRENT_UPDATE"
        )
    if isinstance(err, _CONNECTION_ERRORS):
        return errors.Unavailable("PostgreSQL is unavailable", reason="POSTGRES_UNAVAILABLE")
    if isinstance(err, asyncpg.CheckViolationError) and "no partition" in str(err):
        # A time no partition holds: retention retired its month while the
        # write was checked (services check against pricing/horizon.py first).
        return errors.FailedPrecondition(
            "that time is older than the price history this server keeps",
            reason="OUTSIDE_PRICE_HISTORY",
        )
    return None


@contextlib.contextmanager
def translated() -> Any:
    """Re-raise driver errors as domain errors; let the rest through."""
    try:
        yield
    except errors.VitrineError:
        raise
    except Exception as err:
        domain = translate(err)
        if domain is None:
            raise
        raise domain from err


class Database:
    def __init__(self, pool: asyncpg.Pool, settings: Settings):
        self.pool = pool
        self.default_timeout = settings.default_statement_timeout

    @classmethod
    async def connect(
        cls, settings: Settings, connection_class: type[asyncpg.Connection] = asyncpg.Connection
    ) -> Database:
        """The pool (`connection_class`: tracing/postgres.py's when tracing is on)."""
        pool = asyncpg.create_pool(
            settings.database_url,
            min_size=0,
            max_size=settings.pool_max_size,
            max_queries=settings.pool_max_queries,
            max_inactive_connection_lifetime=settings.pool_max_inactive_lifetime,
            timeout=settings.pool_connect_timeout,
            init=_init_connection,
            reset=_reset_connection,
            connection_class=connection_class,
            server_settings={
                "application_name": "vitrine",
                # Short OLTP statements: JIT compilation only adds latency.
                "jit": "off",
                # List statements take optional filters as `$n IS NULL OR ...`;
                # planning each execution with its values lets PostgreSQL drop
                # the unused branches and pick the matching index.
                "plan_cache_mode": "force_custom_plan",
            },
        )
        await pool  # min_size=0: no connection is made yet
        return cls(pool, settings)

    def timeout(self) -> float:
        return deadline.timeout(self.default_timeout)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        with translated():
            t = self.timeout()
            async with self.pool.acquire(timeout=t) as conn:
                return await conn.fetch(query, *args, timeout=self.timeout())

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        with translated():
            t = self.timeout()
            async with self.pool.acquire(timeout=t) as conn:
                return await conn.fetchrow(query, *args, timeout=self.timeout())

    async def fetchval(self, query: str, *args: Any) -> Any:
        with translated():
            t = self.timeout()
            async with self.pool.acquire(timeout=t) as conn:
                return await conn.fetchval(query, *args, timeout=self.timeout())

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside a transaction; commits when the block exits cleanly."""
        with translated():
            async with self.pool.acquire(timeout=self.timeout()) as conn:
                async with conn.transaction():
                    yield Connection(conn, self)

    async def ping(self, within: float = 1.0) -> bool:
        try:
            async with self.pool.acquire(timeout=within) as conn:
                await conn.fetchval("SELECT 1", timeout=within)
            return True
        except (Exception, asyncio.CancelledError) as err:
            if isinstance(err, asyncio.CancelledError):
                raise
            return False

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pool.close(), timeout=5)


class Connection:
    """A pooled connection inside a transaction, with deadline-bounded calls."""

    def __init__(self, conn: asyncpg.Connection, db: Database):
        self.raw = conn
        self._db = db

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        with translated():
            return await self.raw.fetch(query, *args, timeout=self._db.timeout())

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        with translated():
            return await self.raw.fetchrow(query, *args, timeout=self._db.timeout())

    async def fetchval(self, query: str, *args: Any) -> Any:
        with translated():
            return await self.raw.fetchval(query, *args, timeout=self._db.timeout())

    async def execute(self, query: str, *args: Any) -> str:
        with translated():
            return await self.raw.execute(query, *args, timeout=self._db.timeout())
