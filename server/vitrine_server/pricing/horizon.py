"""How far back price history goes, so that a write never aims at a month
retention has retired.

Observations are accepted up to a year old; with a retention shorter than
that (VITRINE_PRICE_RETENTION_MONTHS, or MaintainPartitions), months older
than the retention are detached and price_points has no partition for
them. An older observation is then refused as TOO_OLD (ingestion, alone in
its batch) or INVALID_ARGUMENT (UpsertOffers) instead of failing in
PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

Q = load_queries(__package__, "horizon.sql")


async def max_age(db: Database, now: datetime, limit: timedelta) -> timedelta:
    """How old a price may be: `limit`, or less where retention retired older months."""
    start = await db.fetchval(Q.history_start)  # a catalog lookup, ~0.1 ms
    if start is None:
        return limit
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return min(limit, now - first)
