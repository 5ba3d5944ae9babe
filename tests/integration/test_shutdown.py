"""Stopping without losing calls: NOT_SERVING first, then the drain period
serving as usual, then no new call (UNAVAILABLE), and the running calls get
the grace period; what cannot finish gets UNAVAILABLE, never CANCELLED, and
the stop is bounded by the grace period."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import time

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine_client.auth import aio_interceptors

from tests.support import Env, details, eventually, start_command, stop_command, unique

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
# Part of the fault suite (make test-faults): stopping under calls.
pytestmark = pytest.mark.faults


async def _health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=""))).status


async def _stores_waiting(pool, n: int) -> bool:
    waiting = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query LIKE '%FROM stores%'"
    )
    return bool(waiting >= n)


async def test_not_serving_first_then_serving_through_the_drain_period(env):
    settings = dataclasses.replace(env.settings, shutdown_drain=1.0)
    async with Env.started(settings) as e:
        stopping = asyncio.ensure_future(e.server.stop())

        async def not_serving() -> bool:
            return await _health(e.channel) == health_pb2.HealthCheckResponse.NOT_SERVING

        await eventually(not_serving, within=0.5)
        # Balancers are moving away; whoever still calls is served.
        for _ in range(5):
            await e.catalog.ListStores(api.ListStoresRequest(page_size=1))
        assert not stopping.done()
        await stopping


async def test_after_the_drain_new_calls_are_unavailable_and_running_ones_finish(env):
    settings = dataclasses.replace(env.settings, cache_enabled=False)
    async with Env.started(settings) as e:
        async with e.pool.acquire() as blocker:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE")
            running = asyncio.ensure_future(e.catalog.ListStores(api.ListStoresRequest()))
            await eventually(lambda: _stores_waiting(e.pool, 1))
            stopping = asyncio.ensure_future(e.server.stop(grace=10.0, drain=0.0))
            await eventually(lambda: _closed(e))
            try:
                await e.catalog.GetStore(api.GetStoreRequest(id=1))
                raise AssertionError("a call after the drain must be refused")
            except grpc.aio.AioRpcError as err:
                assert err.code() == UNAVAILABLE
                assert details(err)["ErrorInfo"].reason == "SHUTTING_DOWN"
            await tx.rollback()
        assert (await running).stores is not None, "the running call finished"
        await stopping


async def _closed(e: Env) -> bool:
    return e.server.gate.closed


async def test_a_call_that_cannot_finish_in_the_grace_gets_unavailable_not_cancelled(env):
    settings = dataclasses.replace(env.settings, cache_enabled=False)
    async with Env.started(settings) as e:
        async with e.pool.acquire() as blocker:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE")
            stuck = [
                asyncio.ensure_future(e.catalog.ListStores(api.ListStoresRequest(page_size=n)))
                for n in (1, 2, 3)
            ]
            await eventually(lambda: _stores_waiting(e.pool, 3))
            started = time.monotonic()
            await e.server.stop(grace=1.0, drain=0.0)
            took = time.monotonic() - started
            await tx.rollback()
        results = await asyncio.gather(*stuck, return_exceptions=True)
        codes = [r.code() for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert codes == [UNAVAILABLE] * 3, results
        assert took < 2.0, f"the stop took {took:.2f} s for a 1 s grace"


async def test_an_alert_consumer_is_let_go_at_once_to_reconnect_elsewhere(env):
    # A key space of its own: an empty stream, so the consumer just waits.
    settings = dataclasses.replace(env.settings, redis_prefix=unique("vitrine-stop"))
    async with Env.started(settings) as e:
        call = e.pricing.StreamTriggeredAlerts(
            pricing.StreamTriggeredAlertsRequest(
                consumer_group=unique("group"), consumer="c1", ack_timeout=Duration(seconds=30)
            )
        )
        waiting = asyncio.ensure_future(call.read())
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await e.server.stop(grace=10.0, drain=0.0)
        assert time.monotonic() - started < 3.0, "a stream does not hold the stop for its grace"
        try:
            await waiting
            raise AssertionError("the stream must end")
        except grpc.aio.AioRpcError as err:
            assert err.code() == UNAVAILABLE


async def _sigterm_under_calls(
    env: Env, *, calls: int, closed_loop: bool, drain: float, grace: float
) -> tuple[collections.Counter[str], float, str]:
    """The real command (two workers): calls sent at once, or kept going by
    closed-loop callers, and SIGTERM 50 ms after they start; their statuses,
    the seconds from SIGTERM to exit, and the log."""
    proc, port = await start_command(
        env.settings.database_url,
        env.settings.redis_url,
        env.settings.redis_prefix,
        workers=2,
        VITRINE_SHUTDOWN_DRAIN=str(drain),
        VITRINE_SHUTDOWN_GRACE=str(grace),
        VITRINE_RATE_LIMIT_PER_MINUTE="0",
    )
    codes: collections.Counter[str] = collections.Counter()
    # Plain channels, no retries: the statuses the server itself gives.
    channels = [
        grpc.aio.insecure_channel(
            f"127.0.0.1:{port}",
            options=[("grpc.use_local_subchannel_pool", 1), ("grpc.enable_retries", 0)],
            interceptors=aio_interceptors(env.settings.bootstrap_admin_key),
        )
        for _ in range(4)
    ]
    stubs = [catalog_service_pb2_grpc.CatalogServiceStub(c) for c in channels]
    try:
        for stub in stubs:
            for _ in range(300):  # spawn + imports: slow on a busy machine
                try:
                    await stub.ListStores(api.ListStoresRequest(page_size=1), timeout=1)
                    break
                except grpc.aio.AioRpcError:
                    await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        stop_sending = loop.time() + 1e9

        async def one(stub: catalog_service_pb2_grpc.CatalogServiceStub) -> None:
            try:
                await stub.ListStores(api.ListStoresRequest(page_size=2), timeout=30)
                codes["OK"] += 1
            except grpc.aio.AioRpcError as err:
                codes[err.code().name] += 1
                if err.code() == UNAVAILABLE:
                    await asyncio.sleep(0.05)  # a client backs off before trying again

        async def caller(stub: catalog_service_pb2_grpc.CatalogServiceStub) -> None:
            while loop.time() < stop_sending:
                await one(stub)

        if closed_loop:
            sending = [asyncio.ensure_future(caller(stubs[i % 4])) for i in range(calls)]
        else:
            sending = [asyncio.ensure_future(one(stubs[i % 4])) for i in range(calls)]
        await asyncio.sleep(0.05)
        took, log = await stop_command(proc, within=drain + grace + 20)
        stop_sending = loop.time()
        await asyncio.gather(*sending)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for c in channels:
            await c.close()
    assert proc.returncode == 0, log[-2000:]
    return codes, took, log


async def test_sigterm_after_a_burst_of_calls_loses_none(env):
    """1,000 calls, SIGTERM 50 ms later: the drain period serves every one."""
    codes, took, log = await _sigterm_under_calls(
        env, calls=1000, closed_loop=False, drain=1.0, grace=10.0
    )
    print(f"\na burst through SIGTERM: {dict(codes)}; exit after {took:.2f} s")
    assert codes == {"OK": 1000}, codes
    assert took < 1.0 + 10.0 + 2.0, took
    stopping = [json.loads(line) for line in log.splitlines() if '"stopping"' in line]
    assert len(stopping) == 2 and all(s["drain_s"] == 1.0 for s in stopping)


async def test_sigterm_under_steady_calls_answers_unavailable_never_cancelled(env):
    codes, took, _ = await _sigterm_under_calls(
        env, calls=40, closed_loop=True, drain=0.5, grace=2.0
    )
    print(f"\nsteady calls through SIGTERM: {dict(codes)}; exit after {took:.2f} s")
    assert codes["OK"] > 0 and codes["UNAVAILABLE"] > 0, codes
    assert set(codes) <= {"OK", "UNAVAILABLE"}, codes
    assert took < 0.5 + 2.0 + 2.0, took
