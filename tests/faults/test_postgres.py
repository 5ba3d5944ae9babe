"""PostgreSQL killed, hung and locked under a running server: acknowledged
writes survive, retried writes do not duplicate, callers get UNAVAILABLE (or
DEADLINE_EXCEEDED when their own deadline passed) and never a hang, the
service recovers on its own, and its backends never exceed its pool."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import time
import uuid

import grpc
from google.protobuf import field_mask_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2 as pricing

from tests.faults.conftest import fault_settings
from tests.faults.instances import OwnPostgres, OwnRedis
from tests.integration.test_pricing_ingestion import seen, ts
from tests.support import Env, eventually, make_category, make_offer, make_product, make_store

NAME_ONLY = field_mask_pb2.FieldMask(paths=["name"])
OK, UNAVAILABLE = grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE
DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED
BACKENDS = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND application_name = 'vitrine'"
)


async def _code(call) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as err:
        return err.code()
    return OK


async def test_a_crash_loses_no_acknowledged_write_and_retries_do_not_duplicate(fenv, own_pg):
    e = fenv
    category = await make_category(e.catalog)
    store = await make_store(e.catalog)
    product = await make_product(e.catalog, category.id)
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=6)
    offer = await make_offer(
        e.catalog, product.id, store.id, 50_000, observed=ts(base - dt.timedelta(minutes=1))
    )
    created: list[int] = []
    batches_acked = 0
    codes: collections.Counter[str] = collections.Counter()
    stop = asyncio.Event()

    async def create_products(w: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            request = api.CreateProductRequest(
                product=dict(
                    slug=f"crash-{w}-{n}-{uuid.uuid4().hex[:6]}", name="P", category_id=category.id
                )
            )
            try:
                created.append((await e.catalog.CreateProduct(request, timeout=5)).product.id)
                codes["OK"] += 1
            except grpc.aio.AioRpcError as err:
                codes[err.code().name] += 1
                await asyncio.sleep(0.05)

    async def record_prices() -> None:
        """A scraper: each batch retried with its batch id until acknowledged."""
        nonlocal batches_acked
        i = 0
        while not stop.is_set():
            i += 1
            request = pricing.RecordPriceBatchRequest(
                batch_id=f"crash-{offer.id}-{i}",
                observations=[seen(offer.id, 40_000 + i, base + dt.timedelta(minutes=i))],
            )
            while True:
                try:
                    await e.pricing.RecordPriceBatch(request, timeout=5)
                    batches_acked += 1
                    break
                except grpc.aio.AioRpcError as err:
                    codes[err.code().name] += 1
                    await asyncio.sleep(0.1)

    workers = [asyncio.ensure_future(create_products(w)) for w in range(3)]
    workers.append(asyncio.ensure_future(record_prices()))
    await asyncio.sleep(0.5)
    await own_pg.crash()
    crashed = time.monotonic()
    await asyncio.sleep(1.0)
    await own_pg.start()
    before = codes["OK"]

    async def writing_again() -> bool:
        return codes["OK"] > before + 5

    await eventually(writing_again, within=20)
    recovered = time.monotonic() - crashed
    stop.set()
    await asyncio.gather(*workers)

    assert codes["UNAVAILABLE"] > 0, codes
    assert set(codes) <= {"OK", "UNAVAILABLE"}, codes
    stored = await e.pool.fetchval(
        "SELECT count(*) FROM products WHERE id = ANY($1::bigint[])", created
    )
    assert stored == len(created), "every acknowledged product is stored"
    points = await e.pool.fetchval(
        "SELECT count(*) FROM price_points WHERE offer_id = $1 AND valid_from >= $2",
        offer.id,
        base,
    )
    assert points == batches_acked, "each batch recorded once, retries included"
    assert recovered < 20


async def _health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)).status


async def test_a_hung_postgres_bounds_every_call_logs_once_and_recovers(
    own_pg: OwnPostgres, own_redis: OwnRedis, caplog
):
    caplog.set_level(logging.INFO, logger="vitrine")
    settings = fault_settings(own_pg, own_redis, default_statement_timeout=2.0, pool_max_size=6)
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        product = await make_product(e.catalog, category.id, name="before")
        for _ in range(2):  # cached in Redis
            await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
        own_pg.pause()
        try:
            hung_at = time.monotonic()
            # The caller's deadline passes first: DEADLINE_EXCEEDED, on time.
            started = time.monotonic()
            code = await _code(e.catalog.ListStores(api.ListStoresRequest(), timeout=1.0))
            assert code == DEADLINE_EXCEEDED and time.monotonic() - started < 2.0
            # The service's own bound passes first: UNAVAILABLE, retryable.
            started = time.monotonic()
            code = await _code(
                e.catalog.UpdateProduct(
                    api.UpdateProductRequest(
                        product=dict(id=product.id, name="during"), update_mask=NAME_ONLY
                    ),
                    timeout=30,
                )
            )
            assert code == UNAVAILABLE and time.monotonic() - started < 5.0
            # A read the cache can answer is answered.
            got = await e.catalog.GetProduct(api.GetProductRequest(id=product.id), timeout=2)
            assert got.product.name == "before"

            async def not_serving() -> bool:
                return await _health(e.channel) == health_pb2.HealthCheckResponse.NOT_SERVING

            await eventually(not_serving, within=6)
            # Long enough for the background loops to fail a few rounds each.
            await asyncio.sleep(max(0.0, 6.5 - (time.monotonic() - hung_at)))
        finally:
            await own_pg.resume()

        async def serving() -> bool:
            return await _health(e.channel) == health_pb2.HealthCheckResponse.SERVING

        await eventually(serving, within=10)
        await e.catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=product.id, name="after"), update_mask=NAME_ONLY
            )
        )
        got = await e.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert got.product.name == "after", "no stale read after recovery"
        assert await e.pool.fetchval(BACKENDS) <= settings.pool_max_size

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    alert_warnings = [
        r for r in caplog.records if r.name == "vitrine.alerts" and r.levelno == logging.WARNING
    ]
    assert len(alert_warnings) <= 1, [r.getMessage() for r in alert_warnings]


async def test_a_locked_table_keeps_backends_within_the_pool_and_frees_them(
    own_pg: OwnPostgres, own_redis: OwnRedis
):
    settings = fault_settings(own_pg, own_redis, pool_max_size=10, cache_enabled=False)
    async with Env.started(settings) as e:
        await e.catalog.ListProducts(api.ListProductsRequest(page_size=1))
        codes: collections.Counter[str] = collections.Counter()
        loop = asyncio.get_running_loop()
        until = loop.time() + 2.0

        async def caller(i: int) -> None:
            while loop.time() < until:
                code = await _code(
                    e.catalog.ListProducts(
                        api.ListProductsRequest(page_size=1 + i % 7), timeout=0.5
                    )
                )
                codes[code.name] += 1

        most = 0
        async with e.pool.acquire() as blocker:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
            callers = asyncio.ensure_future(asyncio.gather(*(caller(i) for i in range(40))))
            while not callers.done():
                most = max(most, await e.pool.fetchval(BACKENDS))
                await asyncio.sleep(0.05)
            await tx.rollback()
        assert set(codes) == {"DEADLINE_EXCEEDED"}, codes
        assert most <= settings.pool_max_size, most

        async def answered() -> bool:
            return await _code(e.catalog.ListProducts(api.ListProductsRequest(page_size=1))) == OK

        await eventually(answered, within=5)

        async def none_left_running() -> bool:
            busy = await e.pool.fetchval(BACKENDS + " AND state = 'active'")
            return busy == 0

        await eventually(none_left_running, within=5)


async def test_every_call_is_answered_while_postgres_is_down_then_served_again(
    fenv, own_pg: OwnPostgres
):
    """Stopped: UNAVAILABLE within moments, with no restart of the server."""
    e = fenv
    await own_pg.crash()
    started = time.monotonic()
    codes = [
        await _code(e.catalog.ListStores(api.ListStoresRequest(), timeout=10)) for _ in range(5)
    ]
    assert codes == [UNAVAILABLE] * 5 and time.monotonic() - started < 5.0
    await own_pg.start()

    async def answered() -> bool:
        return await _code(e.catalog.ListStores(api.ListStoresRequest())) == OK

    await eventually(answered, within=10)
