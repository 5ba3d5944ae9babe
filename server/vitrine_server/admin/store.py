"""The admin slice's queries: PostgreSQL's own statistics (dbstats.sql), the
operations table (operations.sql) and GetStatus's probe. The only admin
module that queries, but for ExplainStatement, whose job is to run a named
statement of any slice (explain.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from vitrine_server.admin.model import DatabaseOverview, SlowQueryFilter
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

STATS = load_queries(__package__, "dbstats.sql")
OPS = load_queries(__package__, "operations.sql")
# GetStatus's probe stays out of the .sql files on purpose: those are what
# ListStatements offers to EXPLAIN, and a SHOW cannot be explained.
_SERVER_VERSION = "SHOW server_version"
_APPLIED_MIGRATIONS = "SELECT version FROM schema_migrations"


# -- database statistics -----------------------------------------------------


async def overview(db: Database, limit: int) -> DatabaseOverview:
    o = await db.fetchrow(STATS.database_overview)
    assert o is not None
    return DatabaseOverview(
        o,
        await db.fetch(STATS.connections_by_state),
        await db.fetch(STATS.largest_tables, limit),
        await db.fetch(STATS.largest_indexes, limit),
        await db.fetch(STATS.partitions),
    )


async def partitions(db: Database) -> list[Any]:
    return await db.fetch(STATS.partitions)


async def statements_extension(db: Database) -> Any:
    """Whether pg_stat_statements is preloaded, and its version here (None: not created)."""
    ext = await db.fetchrow(STATS.statements_extension)
    assert ext is not None
    return ext


async def database_name(db: Database) -> str:
    name: str = await db.fetchval("SELECT current_database()")
    return name


async def slow_queries(db: Database, f: SlowQueryFilter) -> list[Any]:
    return await db.fetch(STATS.slow_queries, f.limit, f.min_calls, f.order)


async def unused_indexes(db: Database, include_unique: bool) -> tuple[list[Any], Any]:
    """The unused indexes, and the database overview row (when statistics were reset)."""
    o = await db.fetchrow(STATS.database_overview)
    return await db.fetch(STATS.unused_indexes, include_unique), o


# -- operations ----------------------------------------------------------------


async def close_abandoned(db: Database, kind: str, stale_s: float) -> None:
    await db.fetchval(OPS.close_abandoned, kind, stale_s)


async def start_operation(db: Database, op_id: str, kind: str) -> Any:
    """The new operation's row; None when one of its kind is running."""
    return await db.fetchrow(OPS.start_operation, op_id, kind)


async def running_operation(db: Database, kind: str) -> str | None:
    running: str | None = await db.fetchval(OPS.running_operation, kind)
    return running


async def get_operation(db: Database, op_id: str) -> Any:
    return await db.fetchrow(OPS.get_operation, op_id)


async def report_progress(db: Database, op_id: str, processed: int, total: int) -> None:
    await db.fetchval(OPS.report_progress, op_id, processed, total)


async def finish_operation(
    db: Database,
    op_id: str,
    processed: int,
    result: dict[str, Any] | None,
    code: int | None,
    message: str | None,
) -> None:
    await db.fetchval(OPS.finish_operation, op_id, processed, result, code, message)


# -- status --------------------------------------------------------------------


async def server_version(conn: Any) -> str:
    version: str = await conn.fetchval(_SERVER_VERSION)
    return version


async def applied_migrations(conn: Any) -> set[int]:
    """The schema versions applied (none in a database never migrated)."""
    try:
        rows = await conn.fetch(_APPLIED_MIGRATIONS)
    except asyncpg.UndefinedTableError:
        rows = []
    return {r[0] for r in rows}
