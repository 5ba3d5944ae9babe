"""PostgreSQL access: one asyncpg pool per process, bounded by the caller's
deadline, with driver errors translated into domain errors.

Stores call `db.fetch(Q.name, ...)` with a constant statement text from a
.sql file; asyncpg prepares it once per connection and reuses it. The pool
starts empty and connects on demand, so the service starts (and answers
UNAVAILABLE) while PostgreSQL is down, and recovers on its own when it is back.

A deadline cancels the statement (asyncpg sends PostgreSQL a cancel request)
and the caller gets its answer at once; the connection goes back to the pool
only once PostgreSQL acknowledged the cancel, which a background task waits
for (RELEASE_S), never the caller's remaining milliseconds. If PostgreSQL
does not acknowledge it in time, the connection is ended, and its slot
waits until its backend is surely gone (db/backends.py): the process never
has more backends than VITRINE_PG_POOL_MAX.
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
from vitrine_server.db import consistency
from vitrine_server.db.backends import BackendSlots
from vitrine_server.rpc import deadline

log = logging.getLogger("vitrine.db")

# How long a connection whose block was cancelled or timed out may take to
# have its statement's cancel acknowledged (and roll back) before it is ended.
RELEASE_S = 5.0
# Every pooled statement ends within the default statement timeout plus this
# (server side, so a backend whose client gave up cannot run on for ever).
BACKSTOP_MARGIN_S = 1.0

# The primary's WAL position once a transaction committed: at or past its
# commit record, so a replica that replayed it sees the transaction.
_WAL_POSITION = "SELECT pg_current_wal_lsn()::text"

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


def translate(err: BaseException) -> errors.VitrineError | None:
    """The domain error for a driver error, or None if it is a bug."""
    if isinstance(err, asyncpg.QueryCanceledError | TimeoutError):
        if deadline.expired():
            return errors.DeadlineExceeded()
        # The service's own bound passed first (the default statement timeout,
        # connecting): PostgreSQL is not answering, which is retryable.
        return errors.Unavailable(
            "PostgreSQL did not answer in time", reason="POSTGRES_UNAVAILABLE"
        )
    if isinstance(err, asyncpg.SerializationError | asyncpg.DeadlockDetectedError):
        return errors.Aborted(
            "a concurrent transaction conflicted with this one; retry", reason="CONCURRENT_UPDATE"
        )
    if isinstance(err, _CONNECTION_ERRORS):
        return errors.Unavailable("PostgreSQL is unavailable", reason="POSTGRES_UNAVAILABLE")
    if isinstance(err, asyncpg.CheckViolationError) and "no partition" in str(err):
        # A time no partition holds: retention retired its month while the
        # write was checked (services check pricing's observation_horizon first).
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
    def __init__(self, pool: asyncpg.Pool, settings: Settings, backends: BackendSlots):
        self.pool = pool
        self.default_timeout = settings.default_statement_timeout
        self.backends = backends
        # Connections being given back after a cancelled or timed-out block.
        self._releasing: set[asyncio.Task[None]] = set()

    @classmethod
    async def connect(
        cls, settings: Settings, connection_class: type[asyncpg.Connection] = asyncpg.Connection
    ) -> Database:
        """The pool (`connection_class`: tracing/postgres.py's when tracing is on)."""
        backstop = settings.default_statement_timeout + BACKSTOP_MARGIN_S
        backends = BackendSlots(settings.pool_max_size, linger=backstop + BACKSTOP_MARGIN_S)

        async def reset(conn: asyncpg.Connection) -> None:
            """Nothing to undo when a connection goes back to the pool.

            asyncpg's default reset costs a round trip per release (advisory
            unlock, CLOSE ALL, UNLISTEN, RESET ALL). The service leaves no
            session state behind: no LISTEN, no session advisory locks, no
            SET, and transactions are always closed by their context manager
            (asyncpg still rolls back a dangling one before calling this)."""
            backends.checked_in(conn)

        pool = asyncpg.create_pool(
            settings.database_url,
            min_size=0,
            max_size=settings.pool_max_size,
            max_queries=settings.pool_max_queries,
            max_inactive_connection_lifetime=settings.pool_max_inactive_lifetime,
            timeout=settings.pool_connect_timeout,
            connect=backends.connect,
            setup=backends.checked_out,
            init=_init_connection,
            reset=reset,
            connection_class=connection_class,
            server_settings={
                # The backstop of every statement's client-side timeout.
                "statement_timeout": str(int(backstop * 1000)),
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
        return cls(pool, settings, backends)

    def timeout(self) -> float:
        return deadline.timeout(self.default_timeout)

    @contextlib.asynccontextmanager
    async def acquire(self, within: float | None = None) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for the block (waited for `within` seconds, by
        default the caller's time left). A block that ends by cancellation or
        a timeout hands the connection to a background release (see above)."""
        conn = await self.pool.acquire(timeout=self.timeout() if within is None else within)
        try:
            yield conn
        except (asyncio.CancelledError, TimeoutError, errors.DeadlineExceeded):
            self._release_later(conn)
            raise
        except BaseException:
            await self.pool.release(conn)
            raise
        await self.pool.release(conn)

    def _release_later(
        self, conn: asyncpg.Connection, tx: asyncpg.transaction.Transaction | None = None
    ) -> None:
        task = deadline.detached(self._release(conn, tx), name="pg-release")
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(
        self, conn: asyncpg.Connection, tx: asyncpg.transaction.Transaction | None
    ) -> None:
        """Wait for the cancel of the block's statement, roll back, return the
        connection; past RELEASE_S, end it (asyncpg does, in release)."""
        try:
            if tx is not None and conn.is_in_transaction():
                try:
                    async with asyncio.timeout(RELEASE_S):
                        await tx.rollback()
                except Exception:  # no answer: end it (its slot waits, db/backends.py)
                    conn.terminate()
            await self.pool.release(conn, timeout=RELEASE_S)
        except Exception as err:  # asyncpg ended it instead (same)
            log.info("a connection was ended instead of returned: %s", type(err).__name__)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        with translated():
            async with self.acquire() as conn:
                return await conn.fetch(query, *args, timeout=self.timeout())

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        with translated():
            async with self.acquire() as conn:
                return await conn.fetchrow(query, *args, timeout=self.timeout())

    async def fetchval(self, query: str, *args: Any) -> Any:
        with translated():
            async with self.acquire() as conn:
                return await conn.fetchval(query, *args, timeout=self.timeout())

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside a transaction; commits when the block exits
        cleanly. A block cut short by a deadline or cancellation is rolled
        back, and its connection returned, in the background (see above)."""
        with translated():
            conn = await self.pool.acquire(timeout=self.timeout())
            tx = conn.transaction()
            try:
                await tx.start()
                yield Connection(conn, self)
                await tx.commit()
                sink = consistency.commit_sink()
                if sink is not None:  # the call's consistency token (db/consistency.py)
                    # Committed already: a failure here only costs the token.
                    with contextlib.suppress(Exception):
                        sink(await conn.fetchval(_WAL_POSITION, timeout=self.timeout()))
            except (asyncio.CancelledError, TimeoutError, errors.DeadlineExceeded):
                self._release_later(conn, tx)
                raise
            except BaseException:
                with contextlib.suppress(Exception):  # the error to report is the block's
                    await tx.rollback()
                await self.pool.release(conn)
                raise
            await self.pool.release(conn)

    async def ping(self, within: float = 1.0) -> bool:
        try:
            async with self.pool.acquire(timeout=within) as conn:
                await conn.fetchval("SELECT 1", timeout=within)
            return True
        except (Exception, asyncio.CancelledError) as err:
            if isinstance(err, asyncio.CancelledError):
                raise
            return False

    async def close(self, within: float = 5.0) -> None:
        """Close the pool gracefully within `within` seconds, else end every connection."""
        try:
            await asyncio.wait_for(self.pool.close(), timeout=within)
        except (Exception, asyncio.CancelledError) as err:
            self.pool.terminate()
            if isinstance(err, asyncio.CancelledError):
                raise


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
