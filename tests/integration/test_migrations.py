"""The migrations runner: up, down and up again to the same schema; edited
migrations refused; concurrent runners safe."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from vitrine_server.db.migrate import (
    COMMENT_ONLY_EDITS,
    DEFAULT_DIR,
    SKIPPED_VERSIONS,
    MigrationError,
    Migrator,
)

from tests.conftest import BASE_URL
from tests.support import admin_dsn, dsn_for, unique

SCHEMA = """
SELECT table_name, column_name, data_type, is_nullable, column_default
  FROM information_schema.columns WHERE table_schema = 'public'
 ORDER BY table_name, column_name
"""
INDEXES = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname"
)


@pytest_asyncio.fixture
async def empty_db():
    name = unique("vitrine_mig").replace("-", "_")
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield dsn_for(BASE_URL, name)
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def _schema(dsn: str) -> tuple[list, list]:
    conn = await asyncpg.connect(dsn)
    try:
        return [tuple(r) for r in await conn.fetch(SCHEMA)], [
            tuple(r) for r in await conn.fetch(INDEXES)
        ]
    finally:
        await conn.close()


async def test_up_down_up_gives_the_same_schema(empty_db):
    migrator = Migrator(empty_db)
    applied = await migrator.up()
    assert applied == [m.version for m in migrator.migrations]
    first = await _schema(empty_db)
    assert await migrator.up() == []  # idempotent
    reverted = await migrator.down(len(applied))
    assert reverted == list(reversed(applied))
    tables, _ = await _schema(empty_db)
    assert {t[0] for t in tables} == {"schema_migrations"}
    await migrator.up()
    assert await _schema(empty_db) == first
    states = await migrator.status()
    assert all(s.applied and s.checksum_ok for s in states)


async def test_an_edited_applied_migration_is_refused(empty_db, tmp_path: Path):
    copy = tmp_path / "migrations"
    shutil.copytree(DEFAULT_DIR, copy)
    await Migrator(empty_db, copy).up()
    first_up = sorted(copy.glob("0001_*.up.sql"))[0]
    first_up.write_text(first_up.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await Migrator(empty_db, copy).up()


async def test_a_comment_only_edit_keeps_databases_migrated_before_it(empty_db):
    migrator = Migrator(empty_db)
    await migrator.up()
    (version, (before,)) = next(
        (v, tuple(sums)) for v, sums in COMMENT_ONLY_EDITS.items() if len(sums) == 1
    )
    conn = await asyncpg.connect(empty_db)
    try:  # as recorded by a server that ran the text before the edit
        await conn.execute(
            "UPDATE schema_migrations SET checksum = $1 WHERE version = $2", before, version
        )
    finally:
        await conn.close()
    assert await migrator.up() == []
    assert all(s.checksum_ok for s in await migrator.status())


async def test_concurrent_runners_apply_each_migration_once(empty_db):
    results = await asyncio.gather(*(Migrator(empty_db).up() for _ in range(4)))
    flat = [v for r in results for v in r]
    assert sorted(flat) == [m.version for m in Migrator(empty_db).migrations]
    conn = await asyncpg.connect(empty_db)
    try:
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(flat)
    finally:
        await conn.close()


async def test_price_point_partitions_exist_ahead(empty_db):
    await Migrator(empty_db).up()
    conn = await asyncpg.connect(empty_db)
    try:
        names = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'price_points'::regclass"
            )
        }
        ahead = await conn.fetchval("SELECT to_char(now() + interval '6 months', 'YYYY_MM')")
        now = await conn.fetchval("SELECT to_char(now(), 'YYYY_MM')")
        assert {f"price_points_{now}", f"price_points_{ahead}"} <= names
    finally:
        await conn.close()


async def test_partitions_are_created_ahead_and_retired_behind(empty_db):
    import datetime as dt

    from vitrine_server.pricing.partitions import maintain, months_before

    await Migrator(empty_db).up()
    conn = await asyncpg.connect(empty_db)
    try:
        today = dt.date.today()
        # A year from now: six months ahead of that must exist afterwards.
        later = months_before(today.replace(day=1), -12)
        report = await maintain(conn, today=later)
        assert report is not None and report.created >= 6
        names = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'price_points'::regclass"
            )
        }
        ahead = months_before(later, -6)
        assert f"price_points_{ahead:%Y_%m}" in names
        # Retention: months older than 6 are detached (kept as tables), or dropped.
        report = await maintain(conn, retention_months=6, today=today)
        cutoff = months_before(today.replace(day=1), 6)
        assert report is not None and report.retired
        assert all(n < f"price_points_{cutoff:%Y_%m}" for n in report.retired)
        detached = report.retired[0]
        assert await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", detached)
        report = await maintain(conn, retention_months=3, drop=True, today=today)
        assert report is not None and report.retired
        assert not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", report.retired[0])
        # One instance at a time: a concurrent run skips.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", 0x7072696365706172)
            other = await asyncpg.connect(empty_db)
            try:
                assert await maintain(other) is None
            finally:
                await other.close()
    finally:
        await conn.close()


async def test_retired_months_leave_the_history_read_model(empty_db):
    """price_point_months (0014) follows writes through its triggers, and a
    detached or dropped month (which fires none) through maintain()."""
    import datetime as dt

    from vitrine_server.pricing.partitions import maintain, months_before

    from tests.support import price_point_months_drift

    await Migrator(empty_db).up()
    conn = await asyncpg.connect(empty_db)
    try:
        offer = await conn.fetchval(
            """
            WITH s AS (INSERT INTO stores (slug, name, country_code) VALUES ('s', 'S', 'BR')
                       RETURNING id),
                 c AS (INSERT INTO categories (slug, name, path) VALUES ('c', 'C', '{}')
                       RETURNING id),
                 p AS (INSERT INTO products (slug, name, category_id) SELECT 'p', 'P', id FROM c
                       RETURNING id)
            INSERT INTO offers (product_id, store_id, external_id, currency_code, price_minor,
                                in_stock, observed_at, price_since, last_seen_at)
            SELECT p.id, s.id, 'x', 'BRL', 100, true, now(), now(), now() FROM p, s
            RETURNING id
            """
        )
        today = dt.date.today()
        # Two change points in each of the last 10 months (the middle of the month, UTC).
        await conn.execute(
            "INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at,"
            " currency_code, price_minor, in_stock)"
            " SELECT $1, o.product_id, t, t, 'BRL', 100 + n, n % 3 > 0"
            " FROM offers o, generate_series(0, 19) n,"
            " LATERAL (SELECT (date_trunc('month', now(), 'UTC') - (n / 2) * interval '1 month')"
            "          + interval '14 days' + (n % 2) * interval '1 hour' AS t) x"
            " WHERE o.id = $1",
            offer,
        )
        assert await conn.fetchval("SELECT count(*) FROM price_point_months") == 10
        assert await price_point_months_drift(conn) == 0
        await conn.execute("DELETE FROM price_points WHERE price_minor % 2 = 1")
        await conn.execute(
            "UPDATE price_points SET in_stock = NOT in_stock WHERE price_minor < 106"
        )
        assert await price_point_months_drift(conn) == 0

        report = await maintain(conn, retention_months=6, today=today)
        assert report is not None and report.retired
        cutoff = months_before(today.replace(day=1), 6)
        months = [r[0] for r in await conn.fetch("SELECT month FROM price_point_months")]
        assert months and min(months).date() >= cutoff
        assert await price_point_months_drift(conn) == 0
        report = await maintain(conn, retention_months=3, drop=True, today=today)
        assert report is not None and report.retired
        assert await conn.fetchval("SELECT count(*) FROM price_point_months") == 4
        assert await price_point_months_drift(conn) == 0
        await conn.execute("TRUNCATE price_points")
        assert await conn.fetchval("SELECT count(*) FROM price_point_months") == 0
    finally:
        await conn.close()


def test_versions_go_up_with_only_the_gaps_meant():
    versions = [m.version for m in Migrator(BASE_URL).migrations]
    assert versions == sorted(versions)
    expected = set(range(1, versions[-1] + 1)) - SKIPPED_VERSIONS
    assert set(versions) == expected


async def test_an_unapplied_migration_older_than_the_applied_ones_is_refused(
    empty_db, tmp_path: Path
):
    copy = tmp_path / "migrations"
    shutil.copytree(DEFAULT_DIR, copy)
    await Migrator(empty_db, copy).up()
    # A branch's migration merged after a later one was applied: in the gap.
    (copy / "0012_late_branch.up.sql").write_text("CREATE TABLE late_branch (id int);\n")
    (copy / "0012_late_branch.down.sql").write_text("DROP TABLE late_branch;\n")
    with pytest.raises(MigrationError, match=r"0012_late_branch .*never applied"):
        await Migrator(empty_db, copy).up()
    conn = await asyncpg.connect(empty_db)
    try:
        assert await conn.fetchval("SELECT to_regclass('late_branch')") is None
    finally:
        await conn.close()
