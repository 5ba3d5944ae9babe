"""A month rollover: the first start of a new month creates the partition six
months ahead, and retention retires the oldest. Both are logged at INFO, and
a log call once crashed there (`extra={"created": ...}`), so these run with
INFO on, through the real command, the admin RPC and the hourly loop.

The boundary is simulated the way it happens: the partition the new month
needs (the furthest one ahead) does not exist yet."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import asyncpg
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_client import aio_connect
from vitrine_server.pricing.partitions import PartitionMaintainer, months_before

from tests.support import (
    make_category,
    make_offer,
    make_product,
    make_store,
    start_command,
    stop_command,
)

ATTACHED = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'price_points'::regclass ORDER BY c.relname
"""


async def _drop_furthest_partition(conn: asyncpg.Connection) -> str:
    """Undo the last month's creation: what a new month finds missing."""
    furthest = (await conn.fetch(ATTACHED))[-1]["relname"]
    assert furthest == f"price_points_{months_before(dt.date.today().replace(day=1), -6):%Y_%m}"
    await conn.execute(f'DROP TABLE "{furthest}"')  # name from the catalog, checked above
    return str(furthest)


async def test_the_server_starts_across_a_month_boundary(env, own_database):
    rollover_db = own_database
    old = months_before(dt.date.today().replace(day=1), 120)
    conn = await asyncpg.connect(rollover_db)
    try:
        missing = await _drop_furthest_partition(conn)
        # And a month old enough for retention to retire at this start.
        await conn.execute("SELECT ensure_price_point_partitions($1::date, $1::date)", old)
    finally:
        await conn.close()
    proc, port = await start_command(
        rollover_db,
        env.settings.redis_url,
        env.settings.redis_prefix + "-rollover",
        "--migrate",
        VITRINE_LOG_LEVEL="INFO",
        VITRINE_SHUTDOWN_DRAIN="0",
        VITRINE_PRICE_RETENTION_MONTHS="60",
    )
    served = False
    try:
        async with aio_connect(
            f"127.0.0.1:{port}", api_key=env.settings.bootstrap_admin_key
        ) as vitrine:
            for _ in range(300):  # imports and migrations: slow on a busy machine
                if proc.returncode is not None:
                    break
                try:
                    await vitrine.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=1)
                    served = True
                    break
                except Exception:
                    await asyncio.sleep(0.1)
    finally:
        _, log = await stop_command(proc, within=30)
    assert served and proc.returncode == 0, log[-3000:]
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    maintained = [e for e in entries if e["msg"] == "price_points partitions"]
    assert maintained, log[-3000:]
    assert maintained[0]["created_count"] == 1
    assert maintained[0]["retired"] == [f"price_points_{old:%Y_%m}"]
    conn = await asyncpg.connect(rollover_db)
    try:
        assert missing in {r["relname"] for r in await conn.fetch(ATTACHED)}
    finally:
        await conn.close()


async def test_maintain_partitions_answers_ok_when_it_creates_one(env, db, caplog):
    caplog.set_level(logging.INFO, logger="vitrine")
    async with db.acquire() as conn:
        missing = await _drop_furthest_partition(conn)
    done = await env.admin.MaintainPartitions(admin.MaintainPartitionsRequest())
    assert done.created_count == 1
    assert missing in {r["relname"] for r in await db.fetch(ATTACHED)}
    logged = [r for r in caplog.records if r.getMessage() == "price_points partitions"]
    assert logged and logged[0].created_count == 1  # type: ignore[attr-defined]


async def test_the_hourly_round_creates_partitions_and_refreshes_averages(env, db, caplog):
    caplog.set_level(logging.INFO, logger="vitrine")
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id)
    store = await make_store(env.catalog)
    await make_offer(env.catalog, product.id, store.id, 12_345)
    # An average gone stale: the round must put it right.
    await db.execute("UPDATE products SET avg_30d_price_minor = 1 WHERE id = $1", product.id)
    async with db.acquire() as conn:
        missing = await _drop_furthest_partition(conn)
    maintainer = PartitionMaintainer(env.server.db.pool, retention_months=0, drop=False)
    await maintainer.round()
    assert missing in {r["relname"] for r in await db.fetch(ATTACHED)}
    average = "SELECT avg_30d_price_minor FROM products WHERE id = $1"
    assert await db.fetchval(average, product.id) == 12_345
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
