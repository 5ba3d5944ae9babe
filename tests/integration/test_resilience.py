"""Backing stores going away: Redis down keeps reads and writes working and
serves nothing stale when it is back; PostgreSQL down is UNAVAILABLE, and
the service recovers on its own. The caller's deadline bounds every query."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from urllib.parse import urlsplit

import grpc
import pytest_asyncio
from google.protobuf import field_mask_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine_client.auth import aio_interceptors
from vitrine_server.app import VitrineServer

from tests.conftest import REDIS_URL
from tests.proxy import TcpProxy
from tests.support import (
    ADMIN_KEY,
    Env,
    details,
    dsn_for,
    eventually,
    expect_error,
    make_category,
    make_product,
    unique,
)

NAME_ONLY = field_mask_pb2.FieldMask(paths=["name"])


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    return parts._replace(
        netloc=f"{parts.username or ''}{'@' if parts.username else ''}127.0.0.1:{port}"
    ).geturl()


@pytest_asyncio.fixture
async def redis_proxy():
    target = urlsplit(REDIS_URL)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.cut()


@pytest_asyncio.fixture
async def pg_proxy(database_url):
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.cut()


async def test_redis_down_reads_and_writes_work_and_nothing_stale_after(env, redis_proxy):
    settings = dataclasses.replace(
        env.settings, redis_url=_via(REDIS_URL, redis_proxy.port), redis_prefix=unique("vitrine-rd")
    )
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        product = await make_product(e.catalog, category.id, name="v1")
        # Cached as "v1", and the cache is known to serve it.
        for _ in range(2):
            await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert e.server.cache.stats["hits"] >= 1

        await redis_proxy.cut()
        t0 = time.monotonic()
        got = (await e.catalog.GetProduct(api.GetProductRequest(id=product.id))).product
        assert got.name == "v1"
        assert time.monotonic() - t0 < 2.0, "a down Redis must not stall reads"
        # A write while Redis is down succeeds; the cached "v1" is now owed a delete.
        await e.catalog.UpdateProduct(
            api.UpdateProductRequest(product=dict(id=product.id, name="v2"), update_mask=NAME_ONLY)
        )
        assert (
            await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
        ).product.name == "v2"
        assert await e.pool.fetchval("SELECT count(*) FROM cache_invalidations") >= 1

        # Redis is back with the stale "v1" still in it: it must never be served.
        await redis_proxy.restore()
        for _ in range(20):
            got = (await e.catalog.GetProduct(api.GetProductRequest(id=product.id))).product
            assert got.name == "v2"

        async def reconciled() -> bool:
            return e.server.cache.trusted

        await eventually(reconciled)
        assert await e.pool.fetchval("SELECT count(*) FROM cache_invalidations") == 0
        for _ in range(3):
            assert (
                await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
            ).product.name == "v2"
        hits = e.server.cache.stats["hits"]
        await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert e.server.cache.stats["hits"] == hits + 1, "the cache serves again once reconciled"


async def test_trending_needs_redis(env, redis_proxy):
    settings = dataclasses.replace(env.settings, redis_url=_via(REDIS_URL, redis_proxy.port))
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        product = await make_product(e.catalog, category.id)
        await redis_proxy.cut()
        err = await expect_error(
            e.catalog.RecordProductEvents(
                api.RecordProductEventsRequest(
                    events=[dict(product_id=product.id, kind=api.PRODUCT_EVENT_KIND_VIEW)]
                )
            ),
            grpc.StatusCode.UNAVAILABLE,
        )
        assert details(err)["ErrorInfo"].reason == "REDIS_UNAVAILABLE"
        # Favorites stay available: PostgreSQL is their home.
        await e.catalog.AddFavorite(api.AddFavoriteRequest(user_id="u-down", product_id=product.id))
        checked = await e.catalog.CheckFavorites(
            api.CheckFavoritesRequest(user_id="u-down", product_ids=[product.id])
        )
        assert list(checked.favorite_product_ids) == [product.id]


async def test_trending_read_before_redis_went_away_is_still_served(env, redis_proxy):
    """While Redis is away, ListTrending answers the ranking this process last
    read (trending is derived; a ranking seconds old is still right), with
    the products read fresh; a ranking never read is UNAVAILABLE."""
    settings = dataclasses.replace(
        env.settings, redis_url=_via(REDIS_URL, redis_proxy.port), redis_prefix=unique("vt-tr")
    )
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        hot = await make_product(e.catalog, category.id, name="Antes")
        await e.catalog.RecordProductEvents(
            api.RecordProductEventsRequest(
                events=[dict(product_id=hot.id, kind=api.PRODUCT_EVENT_KIND_VIEW, count=5)]
            )
        )
        request = api.ListTrendingRequest(category_id=category.id, limit=5)
        before = await e.catalog.ListTrending(request)
        assert [p.product.id for p in before.products] == [hot.id]
        await redis_proxy.cut()
        await e.catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=hot.id, name="Depois"), update_mask=dict(paths=["name"])
            )
        )
        during = await e.catalog.ListTrending(request)
        assert [(p.product.id, p.product.name) for p in during.products] == [(hot.id, "Depois")]
        await expect_error(
            e.catalog.ListTrending(api.ListTrendingRequest(category_id=category.id, limit=6)),
            grpc.StatusCode.UNAVAILABLE,
        )


async def test_postgres_down_is_unavailable_and_recovers(env, pg_proxy, database_url):
    settings = dataclasses.replace(
        env.settings, database_url=_via(database_url, pg_proxy.port), cache_enabled=False
    )
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        product = await make_product(e.catalog, category.id)
        await pg_proxy.cut()
        t0 = time.monotonic()
        for call in (
            e.catalog.GetProduct(api.GetProductRequest(id=product.id)),
            e.catalog.ListProducts(api.ListProductsRequest()),
            e.catalog.CreateProduct(
                api.CreateProductRequest(
                    product=dict(slug=unique(), name="x", category_id=category.id)
                )
            ),
        ):
            err = await expect_error(call, grpc.StatusCode.UNAVAILABLE)
            assert details(err)["ErrorInfo"].reason == "POSTGRES_UNAVAILABLE"
            assert "asyncpg" not in err.details() and "SELECT" not in err.details()
        assert time.monotonic() - t0 < 5.0, "a down PostgreSQL must not hang calls"
        await pg_proxy.restore()
        got = (await e.catalog.GetProduct(api.GetProductRequest(id=product.id))).product
        assert got.id == product.id


async def test_the_deadline_bounds_the_query(catalog):
    # A deadline too short for any work: DEADLINE_EXCEEDED, never a hang.
    try:
        await catalog.ListProducts(api.ListProductsRequest(), timeout=0.0005)
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # A normal deadline works.
    await catalog.ListProducts(api.ListProductsRequest(page_size=1), timeout=5)


async def test_a_slow_query_is_cancelled_at_the_deadline(env):
    """The remaining time becomes the statement's timeout: PostgreSQL stops working on it."""
    from vitrine_server.rpc import deadline

    deadline.set_remaining(0.2)
    t0 = time.monotonic()
    try:
        await env.server.db.fetchval("SELECT pg_sleep(5)")
    except Exception as err:
        assert type(err).__name__ == "DeadlineExceeded"
    finally:
        deadline.set_remaining(None)
    assert time.monotonic() - t0 < 1.5

    async def no_sleeper() -> bool:
        n = await env.pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE query = 'SELECT pg_sleep(5)' AND state = 'active'"
        )
        return n == 0

    await eventually(no_sleeper, within=10)


async def test_a_cancelled_call_cancels_its_query(env, catalog):
    """A client that gives up frees PostgreSQL too: the waiting statement goes away."""
    async with env.pool.acquire() as blocker:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE")
        call = catalog.ListStores(api.ListStoresRequest(page_size=3))

        async def waiting(n: int):
            async def check() -> bool:
                count = await env.pool.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE '%FROM stores%'"
                )
                return count == n

            return check

        task = asyncio.ensure_future(call)
        await eventually(await waiting(1))
        call.cancel()
        await eventually(await waiting(0))
        await tx.rollback()
    assert task.cancelled() or task.exception() is not None


async def test_a_missing_database_is_unavailable_not_internal(env):
    settings = dataclasses.replace(
        env.settings, database_url=dsn_for(env.settings.database_url, "vitrine_no_such_db")
    )
    server = VitrineServer(settings)
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=aio_interceptors(ADMIN_KEY)
        ) as channel:
            stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
            err = await expect_error(
                stub.ListStores(api.ListStoresRequest(page_size=1)), grpc.StatusCode.UNAVAILABLE
            )
        assert details(err)["ErrorInfo"].reason == "POSTGRES_UNAVAILABLE"
    finally:
        await server.stop(grace=0.5)
