"""AdminService over a real channel, against the real PostgreSQL and Redis:
every RPC's happy path and its bad input."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from urllib.parse import urlsplit

import asyncpg
import grpc
import pytest_asyncio
from google.protobuf import timestamp_pb2
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.admin.v1 import operation_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.type.v1 import access_pb2
from vitrine_server.admin.search import SearchHealth
from vitrine_server.db.migrate import Migrator

from tests.conftest import BASE_URL
from tests.proxy import TcpProxy
from tests.support import (
    Env,
    admin_dsn,
    details,
    dsn_for,
    eventually,
    expect_error,
    make_category,
    make_product,
    table_counts,
    unique,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


class FakeReindexer:
    """A stand-in for the search backend (outside this service's scope):
    reports half its progress, waits to be released, then finishes."""

    def __init__(self, documents: int = 10, fail: bool = False):
        self.documents = documents
        self.fail = fail
        self.release = asyncio.Event()

    async def reindex(self, progress) -> int:
        await progress(self.documents // 2, self.documents)
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the index went away")
        await progress(self.documents, self.documents)
        return self.documents

    async def health(self) -> SearchHealth:
        return SearchHealth("postgres", True, 0.001, "15", "fake")


# -- status and migrations ----------------------------------------------------


async def test_get_status_reports_every_dependency(env):
    status = await env.admin.GetStatus(admin.GetStatusRequest())
    deps = {d.name: d for d in status.dependencies}
    assert deps["postgresql"].reachable and deps["postgresql"].version
    assert deps["redis"].reachable and deps["redis"].version
    search = deps["search"]
    assert search.configured and search.reachable and search.detail.startswith("tantivy")
    known = max(m.version for m in Migrator(env.settings.database_url).migrations)
    assert status.schema_version == known and status.pending_migrations == 0
    assert status.pool.max_size == env.settings.pool_max_size
    assert status.pool.size >= status.pool.in_use
    assert status.build_version and status.pid > 0 and status.auth_enabled
    assert status.uptime.ToTimedelta() > dt.timedelta(0)
    tasks = {t.name: t.running for t in status.background_tasks}
    assert tasks["partition-maintenance"] and tasks["key-revocations"] and tasks["cache-stats"]


async def test_get_status_reports_postgresql_down_instead_of_failing(env, database_url):
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    via = target._replace(netloc=f"{target.username}@127.0.0.1:{proxy.port}").geturl()
    settings = dataclasses.replace(env.settings, database_url=via, redis_prefix=unique("st"))
    try:
        async with Env.started(settings) as e:
            await proxy.cut()
            status = await e.admin.GetStatus(admin.GetStatusRequest(), timeout=10)
            deps = {d.name: d for d in status.dependencies}
            assert not deps["postgresql"].reachable and deps["postgresql"].detail
            assert deps["redis"].reachable
            assert status.schema_version == 0
    finally:
        await proxy.cut()


async def test_get_status_with_a_search_backend(env):
    async with Env.started(env.settings, search=FakeReindexer()) as e:
        status = await e.admin.GetStatus(admin.GetStatusRequest())
        search = next(d for d in status.dependencies if d.name == "search")
        assert search.configured and search.reachable and search.version == "15"
        assert search.detail == "postgres: fake"


async def test_migration_status_and_apply_when_nothing_is_pending(env):
    status = await env.admin.GetMigrationStatus(admin.GetMigrationStatusRequest())
    assert status.pending_count == 0 and all(m.applied and m.checksum_ok for m in status.migrations)
    applied = await env.admin.ApplyMigrations(admin.ApplyMigrationsRequest())
    assert list(applied.applied_versions) == []
    assert applied.current_version == status.current_version


async def test_apply_migrations_bad_target(env):
    for target in (-1, 9999):
        err = await expect_error(
            env.admin.ApplyMigrations(admin.ApplyMigrationsRequest(target_version=target)),
            INVALID,
        )
        assert violated_fields(err) == {"target_version"}


@pytest_asyncio.fixture
async def fresh_db():
    name = unique("vitrine_admin").replace("-", "_")
    conn = await asyncpg.connect(admin_dsn(BASE_URL))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield dsn_for(BASE_URL, name)
    conn = await asyncpg.connect(admin_dsn(BASE_URL))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def test_concurrent_apply_migrations_apply_each_once(env, fresh_db):
    settings = dataclasses.replace(env.settings, database_url=fresh_db, redis_prefix=unique("m"))
    async with Env.started(settings) as e:
        before = await e.admin.GetMigrationStatus(admin.GetMigrationStatusRequest())
        assert before.pending_count == len(before.migrations) > 0
        first, second = await asyncio.gather(
            e.admin.ApplyMigrations(admin.ApplyMigrationsRequest()),
            e.admin.ApplyMigrations(admin.ApplyMigrationsRequest()),
        )
        applied = list(first.applied_versions) + list(second.applied_versions)
        assert sorted(applied) == [m.version for m in before.migrations]
        after = await e.admin.GetMigrationStatus(admin.GetMigrationStatusRequest())
        assert after.pending_count == 0


# -- database statistics ------------------------------------------------------


async def test_database_stats(env, catalog):
    await make_category(catalog)
    stats = await env.admin.GetDatabaseStats(admin.GetDatabaseStatsRequest(limit=500))
    assert stats.database and stats.database_bytes > 0
    assert 0 < stats.cache_hit_ratio <= 1
    assert any(c.state == "active" for c in stats.connections)
    tables = {t.name: t for t in stats.tables}
    assert "public.products" in tables and tables["public.products"].total_bytes > 0
    assert all(t.estimated_bloat_bytes >= 0 for t in stats.tables)
    assert any(i.table == "public.products" for i in stats.indexes)
    month = dt.date.today().strftime("price_points_%Y_%m")
    assert any(p.name == month and p.attached and "FROM" in p.bound for p in stats.partitions)


async def test_database_stats_bad_limit(env):
    for limit in (-1, 1001):
        err = await expect_error(
            env.admin.GetDatabaseStats(admin.GetDatabaseStatsRequest(limit=limit)), INVALID
        )
        assert violated_fields(err) == {"limit"}


async def test_unused_indexes(env, db):
    table = unique("scratch").replace("-", "_")
    await db.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    await db.execute(f"CREATE INDEX {table}_v_idx ON {table} (v)")
    try:
        found = await env.admin.ListUnusedIndexes(admin.ListUnusedIndexesRequest())
        names = {i.name for i in found.indexes}
        assert f"public.{table}_v_idx" in names
        assert f"public.{table}_pkey" not in names, "unique ones only when asked"
        every = await env.admin.ListUnusedIndexes(
            admin.ListUnusedIndexesRequest(include_unique=True)
        )
        pkey = next(i for i in every.indexes if i.name == f"public.{table}_pkey")
        assert pkey.unique and "CREATE UNIQUE INDEX" in pkey.definition
    finally:
        await db.execute(f"DROP TABLE {table}")


async def test_slow_queries_without_pg_stat_statements_says_how_to_enable_it(env, db):
    preloaded = "pg_stat_statements" in await db.fetchval(
        "SELECT current_setting('shared_preload_libraries')"
    )
    installed = await db.fetchval(
        "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"
    )
    call = env.admin.ListSlowQueries(admin.ListSlowQueriesRequest())
    if preloaded and installed:
        await call  # this PostgreSQL has it: the positive path is tested in test_slow_queries.py
        return
    err = await expect_error(call, grpc.StatusCode.FAILED_PRECONDITION)
    reason = details(err)["ErrorInfo"].reason
    if not preloaded:
        assert reason == "PG_STAT_STATEMENTS_NOT_LOADED"
        assert "shared_preload_libraries" in (err.details() or "")
    else:
        assert reason == "PG_STAT_STATEMENTS_NOT_CREATED"
        assert "CREATE EXTENSION" in (err.details() or "")


async def test_slow_queries_bad_input(env):
    err = await expect_error(
        env.admin.ListSlowQueries(admin.ListSlowQueriesRequest(limit=-1, min_calls=-1)), INVALID
    )
    assert violated_fields(err) == {"limit", "min_calls"}


# -- explain ------------------------------------------------------------------


async def test_list_and_explain_a_named_statement(env, catalog):
    listed = await env.admin.ListStatements(admin.ListStatementsRequest())
    names = {s.name: s for s in listed.statements}
    assert "catalog.stores.get_store" in names
    assert names["catalog.stores.get_store"].description == "One store."
    store = await catalog.CreateStore(
        api.CreateStoreRequest(
            store=dict(
                slug=unique("s"),
                name="Loja",
                country_code="BR",
                currency_code="BRL",
                url="https://l.example.com",
            )
        )
    )
    plan = await env.admin.ExplainStatement(
        admin.ExplainStatementRequest(
            statement="catalog.stores.get_store", parameters=[str(store.store.id)]
        )
    )
    assert list(plan.parameter_types) == ["int8"]
    text = "\n".join(plan.plan)
    assert "Execution Time" in text and "actual time" in text
    arrays = await env.admin.ExplainStatement(
        admin.ExplainStatementRequest(
            statement="catalog.products.get_products", parameters=["[1, 2, 3]"]
        )
    )
    assert list(arrays.parameter_types) == ["int8[]"] and arrays.plan


async def test_explaining_a_write_writes_nothing(env, db):
    slug = unique("explained")
    await env.admin.ExplainStatement(
        admin.ExplainStatementRequest(
            statement="catalog.stores.create_store",
            parameters=[slug, "Loja", "BR", "BRL", "https://x.example.com"],
        )
    )
    assert await db.fetchval("SELECT count(*) FROM stores WHERE slug = $1", slug) == 0


async def test_explain_bad_input(env):
    await expect_error(
        env.admin.ExplainStatement(admin.ExplainStatementRequest(statement="no.such.thing")),
        grpc.StatusCode.NOT_FOUND,
    )
    for request, field in (
        (admin.ExplainStatementRequest(), "statement"),
        (admin.ExplainStatementRequest(statement="catalog.stores.get_store"), "parameters"),
        (
            admin.ExplainStatementRequest(
                statement="catalog.stores.get_store", parameters=["not a number"]
            ),
            "parameters[0]",
        ),
        (  # the statement itself refuses it: a check constraint
            admin.ExplainStatementRequest(
                statement="catalog.stores.create_store",
                parameters=["BAD SLUG", "Loja", "BR", "BRL", "https://x.example.com"],
            ),
            "parameters",
        ),
    ):
        err = await expect_error(env.admin.ExplainStatement(request), INVALID)
        assert violated_fields(err) == {field}, err.details()


# -- cache ------------------------------------------------------------------------


async def _product(catalog) -> int:
    category = await make_category(catalog)
    return (await make_product(catalog, category.id)).id


async def test_cache_stats_count_hits_and_misses(env, catalog):
    before = await env.admin.GetCacheStats(admin.GetCacheStatsRequest())
    counts = {c.cache: c for c in before.caches}
    product_id = await _product(catalog)
    for _ in range(3):
        await catalog.GetProduct(api.GetProductRequest(id=product_id))
    after = await env.admin.GetCacheStats(admin.GetCacheStatsRequest())
    product = next(c for c in after.caches if c.cache == "product")
    old = counts.get("product", admin.CacheCounters())
    assert product.misses - old.misses >= 1
    assert product.hits - old.hits >= 2
    assert 0 < product.hit_ratio < 1
    assert after.redis_used_memory_bytes > 0
    assert after.redis_keys >= after.service_keys >= 1


async def test_invalidate_cache_by_entity_and_by_prefix(env, catalog):
    redis = env.server.redis
    product_id = await _product(catalog)
    key = env.server.cache.keys.product(product_id)
    await catalog.GetProduct(api.GetProductRequest(id=product_id))
    assert await redis.exists(key)
    done = await env.admin.InvalidateCache(
        admin.InvalidateCacheRequest(
            entities=dict(entity=admin.CACHE_ENTITY_PRODUCT, ids=[product_id])
        )
    )
    assert done.invalidated_keys == 1 and not await redis.exists(key)

    await catalog.GetProduct(api.GetProductRequest(id=product_id))
    assert await redis.exists(key)
    done = await env.admin.InvalidateCache(admin.InvalidateCacheRequest(key_prefix="product:"))
    assert done.invalidated_keys >= 1 and not await redis.exists(key)
    # Data that lives only in Redis is out of reach.
    assert await redis.exists(env.server.cache.keys.cache_generation())


async def test_invalidate_cache_bad_input(env):
    cases = [
        (admin.InvalidateCacheRequest(), "target"),
        (admin.InvalidateCacheRequest(key_prefix=""), "key_prefix"),
        (admin.InvalidateCacheRequest(key_prefix="alerts:"), "key_prefix"),
        (admin.InvalidateCacheRequest(key_prefix="product:*"), "key_prefix"),
        (admin.InvalidateCacheRequest(entities=dict(ids=[1])), "entities.entity"),
        (
            admin.InvalidateCacheRequest(entities=dict(entity=admin.CACHE_ENTITY_STORE)),
            "entities.ids",
        ),
        (
            admin.InvalidateCacheRequest(entities=dict(entity=admin.CACHE_ENTITY_STORE, ids=[0])),
            "entities.ids[0]",
        ),
    ]
    for request, field in cases:
        err = await expect_error(env.admin.InvalidateCache(request), INVALID)
        assert violated_fields(err) == {field}


# -- operations -----------------------------------------------------------------


async def _op(e: Env, name: str) -> operation_pb2.Operation:
    return (await e.admin.GetOperation(admin.GetOperationRequest(name=name))).operation


def _progress(op: operation_pb2.Operation) -> tuple[int, int]:
    meta = operation_pb2.ReindexSearchMetadata()
    op.metadata.Unpack(meta)
    return meta.processed, meta.total


async def test_reindex_search_runs_as_an_operation_with_progress(env):
    search = FakeReindexer(documents=10)
    async with Env.started(env.settings, search=search) as e:
        started = (await e.admin.ReindexSearch(admin.ReindexSearchRequest())).operation
        assert started.name.startswith("operations/") and not started.done

        async def halfway() -> bool:
            op = await _op(e, started.name)
            return not op.done and _progress(op) == (5, 10)

        await eventually(halfway)
        await expect_error(
            e.admin.ReindexSearch(admin.ReindexSearchRequest()), grpc.StatusCode.ALREADY_EXISTS
        )
        search.release.set()

        async def finished() -> bool:
            return (await _op(e, started.name)).done

        await eventually(finished)
        op = await _op(e, started.name)
        assert op.WhichOneof("result") == "response" and op.HasField("end_time")
        result = operation_pb2.ReindexSearchResult()
        op.response.Unpack(result)
        assert result.indexed == 10


async def test_a_failed_reindex_is_an_operation_error(env):
    search = FakeReindexer(fail=True)
    search.release.set()
    async with Env.started(env.settings, search=search) as e:
        started = (await e.admin.ReindexSearch(admin.ReindexSearchRequest())).operation

        async def finished() -> bool:
            return (await _op(e, started.name)).done

        await eventually(finished)
        op = await _op(e, started.name)
        assert op.error.code == grpc.StatusCode.INTERNAL.value[0]
        assert "the index went away" not in op.error.message  # never a bug's text


async def test_reindex_search_with_the_embedded_backend(env):
    """The real reindexer (search/maintenance.py): every product's search row
    and the dictionary rebuilt, as an operation that ends with the count."""
    started = (await env.admin.ReindexSearch(admin.ReindexSearchRequest())).operation

    async def finished() -> bool:
        return (await _op(env, started.name)).done

    await eventually(finished, within=30)
    op = await _op(env, started.name)
    assert not op.HasField("error"), op.error
    result = operation_pb2.ReindexSearchResult()
    op.response.Unpack(result)
    # Documents indexed: the live products (a deleted one has no document;
    # the suite's earlier tests may have deleted some in this database).
    live = await env.pool.fetchval("SELECT count(*) FROM products WHERE deleted_at IS NULL")
    assert result.indexed == live


async def test_get_operation_bad_input(env):
    for name in ("", "operations/xyz", "ops/0123456789abcdef"):
        err = await expect_error(
            env.admin.GetOperation(admin.GetOperationRequest(name=name)), INVALID
        )
        assert violated_fields(err) == {"name"}
    await expect_error(
        env.admin.GetOperation(admin.GetOperationRequest(name="operations/0123456789abcdef")),
        grpc.StatusCode.NOT_FOUND,
    )


# -- partitions ---------------------------------------------------------------------


async def test_partitions_listed_and_retired_beyond_retention(env, db):
    await db.execute("SELECT ensure_price_point_partitions('2020-01-01', '2020-01-01')")
    try:
        listed = await env.admin.ListPartitions(admin.ListPartitionsRequest())
        names = {p.name: p for p in listed.partitions}
        assert names["price_points_2020_01"].attached
        assert dt.date.today().strftime("price_points_%Y_%m") in names
        done = await env.admin.MaintainPartitions(
            admin.MaintainPartitionsRequest(retention_months=60, mode=admin.RETENTION_MODE_DETACH)
        )
        assert list(done.retired) == ["price_points_2020_01"]
        listed = await env.admin.ListPartitions(admin.ListPartitionsRequest())
        old = next(p for p in listed.partitions if p.name == "price_points_2020_01")
        assert not old.attached and old.bound == ""
        again = await env.admin.MaintainPartitions(admin.MaintainPartitionsRequest())
        assert again.created_count == 0 and list(again.retired) == []
    finally:
        await db.execute("DROP TABLE IF EXISTS price_points_2020_01")


async def test_maintain_partitions_bad_input(env):
    for months in (-1, 5000):
        err = await expect_error(
            env.admin.MaintainPartitions(admin.MaintainPartitionsRequest(retention_months=months)),
            INVALID,
        )
        assert violated_fields(err) == {"retention_months"}


# -- API keys -------------------------------------------------------------------------


async def test_create_list_and_revoke_keys(env, db):
    expires = timestamp_pb2.Timestamp()
    expires.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    name = unique("scraper")
    created = await env.admin.CreateApiKey(
        admin.CreateApiKeyRequest(
            api_key=dict(
                name=name,
                scopes=[access_pb2.SCOPE_INGEST, access_pb2.SCOPE_READ],
                requests_per_minute=6000,
                burst=50,
                expire_time=expires,
            )
        )
    )
    key = created.api_key
    assert list(key.scopes) == [access_pb2.SCOPE_READ, access_pb2.SCOPE_INGEST]
    assert key.created_by == "bootstrap" and key.requests_per_minute == 6000
    stored = await db.fetchrow("SELECT * FROM api_keys WHERE id = $1", key.id)
    assert created.token not in str(dict(stored)), "only the hash is stored"

    seen, token = [], ""
    while True:
        page = await env.admin.ListApiKeys(admin.ListApiKeysRequest(page_size=2, page_token=token))
        seen += list(page.api_keys)
        token = page.next_page_token
        if not token:
            break
    assert any(k.id == key.id and k.name == name for k in seen)

    revoked = await env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id=key.id))
    assert revoked.api_key.HasField("revoke_time")
    again = await env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id=key.id))
    assert again.api_key.revoke_time == revoked.api_key.revoke_time
    live = await env.admin.ListApiKeys(admin.ListApiKeysRequest(page_size=1000))
    assert key.id not in {k.id for k in live.api_keys}
    every = await env.admin.ListApiKeys(admin.ListApiKeysRequest(page_size=1000, show_revoked=True))
    assert key.id in {k.id for k in every.api_keys}


async def test_create_api_key_bad_input_writes_nothing(env, db):
    past = timestamp_pb2.Timestamp()
    past.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    before = await table_counts(db, "api_keys")
    err = await expect_error(
        env.admin.CreateApiKey(
            admin.CreateApiKeyRequest(
                api_key=dict(name="", requests_per_minute=-1, burst=-2, expire_time=past)
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "api_key.name",
        "api_key.scopes",
        "api_key.requests_per_minute",
        "api_key.burst",
        "api_key.expire_time",
    }
    err = await expect_error(
        env.admin.CreateApiKey(
            admin.CreateApiKeyRequest(api_key=dict(name="x", scopes=[access_pb2.SCOPE_UNSPECIFIED]))
        ),
        INVALID,
    )
    assert violated_fields(err) == {"api_key.scopes[0]"}
    assert await table_counts(db, "api_keys") == before


async def test_list_and_revoke_keys_bad_input(env):
    err = await expect_error(
        env.admin.ListApiKeys(admin.ListApiKeysRequest(page_size=5000)), INVALID
    )
    assert violated_fields(err) == {"page_size"}
    err = await expect_error(
        env.admin.ListApiKeys(admin.ListApiKeysRequest(page_token="garbage")), INVALID
    )
    assert violated_fields(err) == {"page_token"}
    err = await expect_error(env.admin.RevokeApiKey(admin.RevokeApiKeyRequest()), INVALID)
    assert violated_fields(err) == {"id"}
    await expect_error(
        env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id="nosuchkey")),
        grpc.StatusCode.NOT_FOUND,
    )
