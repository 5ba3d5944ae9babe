"""`make backup` / `make restore` (scripts/backup.sh), run for real: the
session database, seeded through the API, is dumped, restored into a fresh
database, and found identical table by table."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from tests.conftest import BASE_URL, RUN_ID
from tests.support import admin_dsn, dsn_for, make_category, make_offer, make_product, make_store

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup.sh"
# Tables only the API writes (background loops touch others while the test runs).
TABLES = ("schema_migrations", "stores", "categories", "products", "offers", "price_points")


async def run(*args: str, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row's text, per table and per
    price_points partition, plus the list of all tables."""
    conn = await asyncpg.connect(dsn)
    try:
        partitions = [
            r["name"]
            for r in await conn.fetch(
                "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'price_points'::regclass ORDER BY 1"
            )
        ]
        out: dict[str, tuple[int, str]] = {}
        for table in (*TABLES, *partitions):
            # Table names come from the catalog and the constant above, never from input.
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text),"
                f" '')) AS sum FROM {table} t"
            )
            out[table] = (row["n"], row["sum"])
        tables = await conn.fetchval(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables"
            " WHERE schemaname = 'public'"
        )
        out["(tables)"] = (0, tables)
        return out
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def restore_dsn() -> AsyncIterator[str]:
    """A database name nobody uses yet; dropped afterwards (with what FORCE kept)."""
    name = f"vitrine_test_restore_{RUN_ID}"
    yield dsn_for(BASE_URL, name)
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    try:
        for row in await admin.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{name}%"
        ):
            await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(catalog) -> None:
    store = await make_store(catalog)
    category = await make_category(catalog)
    for i in range(3):
        product = await make_product(catalog, category.id, name=f"Backup {i}")
        sku = f"backup-{RUN_ID}-{i}"
        for price in (10_000, 9_000, 9_500):  # three price points each
            await make_offer(catalog, product.id, store.id, price + i, external_id=sku)


async def test_backup_restores_into_a_fresh_database_with_the_same_rows(
    env, catalog, restore_dsn: str, tmp_path: Path
) -> None:
    await seed(catalog)
    dump = tmp_path / "vitrine.dump"

    code, out = await run("backup", str(dump), DATABASE_URL=env.settings.database_url)
    assert code == 0, out
    assert dump.stat().st_size > 0 and (dump.stat().st_mode & 0o077) == 0, "owner-only"
    assert not (tmp_path / "vitrine.dump.partial").exists()

    code, out = await run("restore", str(dump), RESTORE_URL=restore_dsn)
    assert code == 0, out
    source = await fingerprint(env.settings.database_url)
    assert source["price_points"][0] >= 9 and source["schema_migrations"][0] >= 1
    assert len([t for t in source if t.startswith("price_points_")]) >= 6  # months ahead
    assert await fingerprint(restore_dsn) == source

    # Again into the same database, now with tables: refused, unless forced.
    conn = await asyncpg.connect(restore_dsn)
    await conn.execute("DELETE FROM price_points")  # a change FORCE must undo
    await conn.close()
    code, out = await run("restore", str(dump), RESTORE_URL=restore_dsn)
    assert code != 0 and "already has" in out and "FORCE=1" in out
    assert (await fingerprint(restore_dsn))["price_points"][0] == 0, "left untouched"

    code, out = await run("restore", str(dump), RESTORE_URL=restore_dsn, FORCE="1")
    assert code == 0, out
    assert await fingerprint(restore_dsn) == source
    kept = out.split("is kept as ")[1].split()[0]
    assert (await fingerprint(dsn_for(BASE_URL, kept)))["price_points"][0] == 0


async def test_a_broken_backup_restores_nothing(restore_dsn: str, tmp_path: Path) -> None:
    missing = await run("restore", str(tmp_path / "nope.dump"), RESTORE_URL=restore_dsn)
    assert missing[0] != 0 and "no such backup" in missing[1]
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP but not really")
    code, out = await run("restore", str(junk), RESTORE_URL=restore_dsn)
    assert code != 0 and "not a pg_dump custom-format archive" in out
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    try:
        name = restore_dsn.rsplit("/", 1)[1]
        assert not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()


@pytest.mark.parametrize("args", [(), ("restore",)])
async def test_usage_errors(args: tuple[str, ...]) -> None:
    code, out = await run(*args)
    assert code != 0 and ("usage" in out or "which backup" in out)
