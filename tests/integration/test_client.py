"""The shipped client against the real server (its own tests, which need
only the client package, are in clients/tests)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine_client import KEEPALIVE_TIME_MS, aio_connect
from vitrine_server.config import Settings

from tests.conftest import BASE_URL, drop_redis_keys, server_settings
from tests.support import Env, admin_dsn, dsn_for, make_category, make_product, unique

# gRPC core's server default for grpc.http2.min_ping_interval_without_data_ms.
GRPC_CORE_DEFAULT_MIN_PING_INTERVAL_MS = 5 * 60 * 1000


async def test_aio_client_calls_the_server(env, catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="Pelo cliente")
    key = env.settings.bootstrap_admin_key
    async with aio_connect(f"127.0.0.1:{env.server.port}", api_key=key) as vitrine:
        got = await vitrine.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert got.product.name == "Pelo cliente"


# -- keepalive: the client's pings against the server's enforcement ----------
#
# Shipped: the client pings every KEEPALIVE_TIME_MS (30 s) while a call is
# open; the server accepts a ping every 10 s or slower. The test keeps that
# ratio at 1/30 scale (pings every second) and holds an idle stream open for
# several intervals; the control runs the same client against gRPC core's
# default enforcement (5 minutes), which is what used to close such streams.

SCALE = 30
HOLD_S = 6.0


async def _hold_idle_stream(target: str, key: str) -> grpc.StatusCode | None:
    """Open StreamTriggeredAlerts with nothing to deliver and wait; the status
    it ended with, or None if it was still open after HOLD_S."""
    options = [
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS // SCALE),
        # A retry would open the stream again on a new connection and hide a GOAWAY.
        ("grpc.enable_retries", 0),
    ]
    async with aio_connect(target, api_key=key, options=options) as vitrine:
        call = vitrine.pricing.StreamTriggeredAlerts(
            pricing.StreamTriggeredAlertsRequest(
                consumer_group=unique("idle"), consumer="c1", ack_timeout={"seconds": 30}
            )
        )
        try:
            await asyncio.wait_for(call.read(), HOLD_S)
        except TimeoutError:
            call.cancel()
            return None
        except grpc.aio.AioRpcError as err:
            return err.code()
        raise AssertionError("the idle stream delivered something")


@pytest_asyncio.fixture
async def quiet_database(template_db: str) -> AsyncIterator[str]:
    """A database of its own: no other test's alerts can reach its streams."""
    name = f"vitrine_test_quiet_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    yield dsn_for(BASE_URL, name)
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def test_an_idle_stream_outlives_many_keepalive_pings(quiet_database):
    shipped = server_settings(
        quiet_database,
        f"vitrine-test-keepalive-{uuid.uuid4().hex[:8]}",
        min_client_ping_interval_ms=Settings().min_client_ping_interval_ms // SCALE,
    )
    strict = dataclasses.replace(
        shipped, min_client_ping_interval_ms=GRPC_CORE_DEFAULT_MIN_PING_INTERVAL_MS
    )
    assert KEEPALIVE_TIME_MS >= 2 * Settings().min_client_ping_interval_ms  # room for jitter
    try:
        async with Env.started(shipped) as ok, Env.started(strict) as control:
            held, refused = await asyncio.gather(
                _hold_idle_stream(ok.target, shipped.bootstrap_admin_key),
                _hold_idle_stream(control.target, strict.bootstrap_admin_key),
            )
    finally:
        await drop_redis_keys(shipped)
    assert held is None, f"the idle stream was closed ({held}) by the shipped settings"
    # The control proves the test can see the failure: too many pings there.
    assert refused == grpc.StatusCode.UNAVAILABLE
