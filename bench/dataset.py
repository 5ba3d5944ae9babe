"""The bench's data: its own database and Redis key space, and a big catalog.

Everything here is the bench's own (database `vitrine_bench`, keys under
`vitrine-bench:`), so it never disturbs the dev database or the test runs.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis.asyncio as aioredis

from bench.topup import clone_products


class DatasetError(RuntimeError):
    """The bench database cannot be prepared."""


def _admin_url(database_url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database, and the bench database name."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise DatasetError(f"no database name in {database_url!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


async def ensure_database(database_url: str, *, reset: bool = False) -> bool:
    """Create the bench database if missing (drop it first if `reset`).

    Returns whether it was created. The server's --migrate does the schema.
    """
    admin_url, name = _admin_url(database_url)
    conn = await asyncpg.connect(admin_url)
    try:
        # Identifiers cannot be bind parameters; quote it the PostgreSQL way.
        ident = '"' + name.replace('"', '""') + '"'
        if reset:
            await conn.execute(f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f"CREATE DATABASE {ident}")
        return not exists
    finally:
        await conn.close()


async def flush_redis_prefix(redis_url: str, prefix: str) -> int:
    """Delete the bench's keys (`{prefix}:*`), so every run starts cold.

    Only while no server runs: the server also keeps its cache generation
    under this prefix.
    """
    client = aioredis.from_url(redis_url)
    deleted = 0
    try:
        batch: list[bytes] = []
        async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += await client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await client.unlink(*batch)
    finally:
        await client.aclose()
    return deleted


async def count_redis_prefix(redis_url: str, prefix: str) -> int:
    client = aioredis.from_url(redis_url)
    try:
        return sum([1 async for _ in client.scan_iter(match=f"{prefix}:*", count=1000)])
    finally:
        await client.aclose()


def _demo_capacity() -> int | None:
    """How many distinct products the demo templates can name, if it says."""
    try:
        from vitrine_server.demo.generate import catalog_capacity
    except ImportError:
        return None
    return int(catalog_capacity())


async def ensure_catalog(database_url: str, products: int) -> dict[str, object]:
    """Make sure the (migrated) bench database holds >= `products` products.

    An empty catalog is first loaded by the service's demo seeder, as many
    products as its templates can name; whatever is missing then is cloned
    from those (bench/topup.py). Returns what was done, for the report.
    """
    from vitrine_server.demo.seed import seed_demo

    conn = await asyncpg.connect(database_url)
    try:
        count_sql = "SELECT count(*) FROM products WHERE deleted_at IS NULL"
        have = int(await conn.fetchval(count_sql))
        info: dict[str, object] = {"products_before": have}
        started = time.monotonic()
        if have == 0:
            capacity = _demo_capacity()
            n = products if capacity is None else min(products, capacity)
            print(f"  seeding the demo catalog ({n:,} products)", flush=True)
            info["demo_seed"] = await seed_demo(conn, products=n, seed=42)
            have = int(await conn.fetchval(count_sql))
        if have < products:
            print(f"  cloning {products - have:,} products to reach {products:,}", flush=True)
            info["cloned"] = await clone_products(conn, products - have)
        if "demo_seed" in info or "cloned" in info:
            # Fresh statistics, or the planner may pick seq scans for a while.
            await conn.execute("ANALYZE")
            info["seed_seconds"] = round(time.monotonic() - started, 1)
        info["products"] = int(await conn.fetchval(count_sql))
        info["offers"] = int(await conn.fetchval("SELECT count(*) FROM offers"))
        if int(info["products"]) < products:  # type: ignore[call-overload]
            raise DatasetError(f"seeding left {info['products']} products (< {products})")
        return info
    finally:
        await conn.close()


async def sample_product_ids(database_url: str, count: int) -> list[int]:
    """`count` live products that have offers, from the middle of the id range."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id FROM products WHERE deleted_at IS NULL AND best_offer_id IS NOT NULL "
            "ORDER BY id OFFSET 1000 LIMIT $1",
            count,
        )
    finally:
        await conn.close()
    ids = [int(r["id"]) for r in rows]
    if len(ids) < count:
        raise DatasetError(f"only {len(ids)} products with offers past the first 1000")
    return ids


async def prepare(database_url: str, redis_url: str, redis_prefix: str, *, reset: bool) -> bool:
    """The bench database (created or reset as asked) and an empty Redis prefix;
    whether the database was created."""
    created = await ensure_database(database_url, reset=reset)
    await flush_redis_prefix(redis_url, redis_prefix)
    return created
