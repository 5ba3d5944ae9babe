"""A stand-in for autovacuum, for a sustained run on a PostgreSQL without it.

PostgreSQL vacuums on its own (autovacuum is on by default). A sustained
ingestion run on a server where someone turned it off measures dead row
versions piling up in the tables ingestion updates in place, not ingestion.
There, this does what autovacuum's settings say it would: every naptime,
each table of the bench database whose dead rows exceed
autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor x its rows
(or whose inserts since the last vacuum exceed the insert threshold and
scale factor) is vacuumed and analyzed, one at a time as one autovacuum
worker would, throttled by autovacuum's cost delay and limit. It runs
concurrently with the load, so its cost counts in the throughput.
Per-table autovacuum options are not read (Vitrine sets none)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg

# The tables past autovacuum's thresholds: names come from the catalog and
# are quoted by it (quote_ident), never from input.
_DUE = """
SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS name
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
 WHERE c.relkind = 'r'
   AND (s.n_dead_tup > $1 + $2 * greatest(c.reltuples, 0)
        OR s.n_ins_since_vacuum > $3 + $4 * greatest(c.reltuples, 0))
 ORDER BY s.n_dead_tup DESC
"""


@dataclass
class VacuumLog:
    runs: list[tuple[str, float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        by_table: dict[str, int] = {}
        for name, _ in self.runs:
            by_table[name] = by_table.get(name, 0) + 1
        return {
            "vacuums": len(self.runs),
            "seconds": round(sum(s for _, s in self.runs), 1),
            "by_table": by_table,
        }


async def autovacuum_is_off(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT current_setting('autovacuum') <> 'on'"))


class AutovacuumStandIn:
    """Vacuums the bench database as autovacuum would, until closed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.log = VacuumLog()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        conn = await asyncpg.connect(self.database_url)
        self._task = asyncio.create_task(self._run(conn))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, conn: asyncpg.Connection) -> None:
        try:
            s = {
                r["name"]: r["setting"]
                for r in await conn.fetch(
                    "SELECT name, setting FROM pg_settings WHERE name LIKE 'autovacuum%'"
                    " OR name LIKE 'vacuum_cost%'"
                )
            }
            limit = int(s["autovacuum_vacuum_cost_limit"])
            await conn.execute(
                "SELECT set_config('vacuum_cost_delay', $1, false),"
                " set_config('vacuum_cost_limit', $2, false)",
                s["autovacuum_vacuum_cost_delay"],
                str(limit if limit > 0 else int(s["vacuum_cost_limit"])),
            )
            thresholds = (
                int(s["autovacuum_vacuum_threshold"]),
                float(s["autovacuum_vacuum_scale_factor"]),
                int(s["autovacuum_vacuum_insert_threshold"]),
                float(s["autovacuum_vacuum_insert_scale_factor"]),
            )
            naptime = float(s["autovacuum_naptime"])
            while True:
                for r in await conn.fetch(_DUE, *thresholds):
                    started = time.perf_counter()
                    await conn.execute(f"VACUUM (ANALYZE) {r['name']}")
                    self.log.runs.append((r["name"], time.perf_counter() - started))
                await asyncio.sleep(naptime)
        finally:
            await conn.close()
