"""Monthly partitions of price_points: created ahead, retired behind.

Run at start (`run --migrate`, `migrate up`) and then once an hour by every
worker; a transaction-scoped advisory lock lets one of them do the work and
the others skip. Retention is off by default: history is the product. With
VITRINE_PRICE_RETENTION_MONTHS=N, whole months older than N are detached
from price_points (kept as plain tables, e.g. for an archive job) or, with
VITRINE_PRICE_RETENTION_MODE=drop, dropped.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date

import asyncpg

from vitrine_server.background import Background
from vitrine_server.pricing.store import refresh_averages

log = logging.getLogger("vitrine.partitions")

AHEAD_MONTHS = 6
LOCK_ID = 0x7072696365706172  # "pricepar"
INTERVAL_S = 3600.0
_NAME = re.compile(r"^price_points_(\d{4})_(\d{2})$")

_ATTACHED = """
SELECT c.relname
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'price_points'::regclass
 ORDER BY c.relname
"""

# Rebuilds (from what price_points still holds) the months of the points of
# a partition just detached; {table} is a quoted catalog name, never input.
_FORGET_MONTHS = """
SELECT refresh_price_point_months(array_agg(offer_id), array_agg(month))
  FROM (SELECT DISTINCT offer_id, date_trunc('month', valid_from, 'UTC') AS month
          FROM {table}) t
HAVING count(*) > 0
"""


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    created: int
    retired: list[str]


def month_of(name: str) -> date | None:
    m = _NAME.match(name)
    return date(int(m[1]), int(m[2]), 1) if m else None


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


async def maintain(
    conn: asyncpg.Connection,
    *,
    retention_months: int = 0,
    drop: bool = False,
    today: date | None = None,
) -> MaintenanceReport | None:
    """Create partitions ahead and retire old ones; None if another instance holds the lock."""
    today = today or date.today()
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_ID):
            return None
        # Retiring a month rebuilds its offers' history rows, which can take
        # longer than the pool's statement_timeout on a big month.
        await conn.execute("SET LOCAL statement_timeout = 0")
        created = await conn.fetchval(
            "SELECT ensure_price_point_partitions($1::date, $2::date)",
            today.replace(day=1),
            months_before(today.replace(day=1), -AHEAD_MONTHS),
        )
        retired: list[str] = []
        if retention_months > 0:
            cutoff = months_before(today.replace(day=1), retention_months)
            for row in await conn.fetch(_ATTACHED):
                month = month_of(row["relname"])
                if month is None or month >= cutoff:
                    continue
                # Names come from the catalog and match _NAME: safe to quote as identifiers.
                ident = await conn.fetchval("SELECT quote_ident($1)", row["relname"])
                await conn.execute(f"ALTER TABLE price_points DETACH PARTITION {ident}")
                # DETACH fires no trigger: the read model of GetPriceHistory
                # (price_point_months, migrations/0014) forgets these points here.
                await conn.execute(_FORGET_MONTHS.format(table=ident))
                if drop:
                    await conn.execute(f"DROP TABLE {ident}")
                retired.append(row["relname"])
    if created or retired:
        log.info("price_points partitions", extra={"created_count": created, "retired": retired})
    return MaintenanceReport(created, retired)


class PartitionMaintainer(Background):
    """Runs `maintain` now and then, in the background of a server process,
    and with it the refresh of 30-day average prices (which move as old
    prices leave the window even when nothing is written)."""

    task_name = "partition-maintenance"

    def __init__(self, pool: asyncpg.Pool, retention_months: int, drop: bool):
        self.pool = pool
        self.retention_months = retention_months
        self.drop = drop

    async def _run(self) -> None:
        while True:
            await self.round()
            await asyncio.sleep(INTERVAL_S)

    async def round(self) -> None:
        """Partitions, then 30-day averages. Averages are refreshed by the one
        instance that held the partitions' lock, and also when maintenance
        failed (a failed DDL must not leave prices' averages behind)."""
        try:
            async with self.pool.acquire(timeout=5) as conn:
                report = await maintain(
                    conn, retention_months=self.retention_months, drop=self.drop
                )
            if report is None:
                return  # another instance holds the lock and refreshes the averages
        except Exception:  # PostgreSQL away or busy: try again next round
            log.warning("partition maintenance failed; retrying later", exc_info=True)
        try:
            async with self.pool.acquire(timeout=5) as conn:
                await refresh_averages(conn)
        except Exception:
            log.warning("refreshing 30-day average prices failed; retrying later", exc_info=True)
