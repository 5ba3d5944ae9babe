"""PostgreSQL settings the service relies on, checked once at start-up.

Nothing here refuses to start: a setting that is merely unwise is logged,
and a database that does not answer yet is the workers' business (they
serve UNAVAILABLE until it does)."""

from __future__ import annotations

import logging

import asyncpg

AUTOVACUUM_OFF = (
    "PostgreSQL runs with autovacuum off: price ingestion updates offers and "
    "price points in place, and without VACUUM their dead rows pile up and "
    "ingestion slows down as they do; turn autovacuum on, or schedule "
    "VACUUM (ANALYZE) of the database (docs/operations.md, 'PostgreSQL settings')"
)


async def warnings(conn: asyncpg.Connection) -> list[str]:
    """What is unwise in the server's settings, one sentence each."""
    found = []
    if await conn.fetchval("SELECT current_setting('autovacuum')") != "on":
        found.append(AUTOVACUUM_OFF)
    return found


async def log_warnings(dsn: str, log: logging.Logger) -> None:
    """Log `warnings` of the server at `dsn`; nothing if it does not answer."""
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return
    try:
        for warning in await warnings(conn):
            log.warning(warning)
    finally:
        await conn.close()
