"""Redis killed, hung, flushed and restarted from an older snapshot under a
running server: reads and writes go on (PostgreSQL is the truth), no read
is stale once Redis is back, and no alert trigger is lost: PostgreSQL
records what was delivered, and what Redis lost is published again."""

from __future__ import annotations

import asyncio
import time

import grpc
from google.protobuf import field_mask_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2 as pricing

from tests.faults.instances import OwnRedis
from tests.integration.test_price_alerts import _receive, _triggered
from tests.support import Env, eventually, make_category, make_product, unique

NAME_ONLY = field_mask_pb2.FieldMask(paths=["name"])


async def _name(e: Env, product_id: int) -> str:
    got = await e.catalog.GetProduct(api.GetProductRequest(id=product_id), timeout=5)
    return str(got.product.name)


async def _rename(e: Env, product_id: int, name: str) -> None:
    await e.catalog.UpdateProduct(
        api.UpdateProductRequest(product=dict(id=product_id, name=name), update_mask=NAME_ONLY),
        timeout=10,
    )


async def _cached(e: Env, name: str) -> int:
    category = await make_category(e.catalog)
    product = await make_product(e.catalog, category.id, name=name)
    for _ in range(2):
        assert await _name(e, product.id) == name
    assert e.server.cache.stats["hits"] >= 1
    return int(product.id)


async def _undelivered(e: Env, trigger_ids: list[int]) -> int:
    return int(
        await e.pool.fetchval(
            "SELECT count(*) FROM price_alert_triggers "
            "WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL",
            trigger_ids,
        )
    )


async def _receive_retrying(e: Env, group: str, consumer: str, wanted: set[int]):
    """As a consumer does: reconnect after UNAVAILABLE (a connection that
    Redis' restart broke fails once), until every wanted trigger arrived."""
    for _ in range(50):
        try:
            return await _receive(e, group, consumer, wanted)
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            await asyncio.sleep(0.2)
    raise AssertionError("the consumer never got its triggers")


async def _ack(e: Env, group: str, deliveries) -> None:
    await e.pricing.AckAlerts(
        pricing.AckAlertsRequest(
            consumer_group=group, delivery_ids=[d.delivery_id for d in deliveries]
        )
    )


async def test_redis_killed_reads_and_writes_go_on_and_nothing_is_lost(
    fenv: Env, own_redis: OwnRedis
):
    e = fenv
    product = await _cached(e, "v1")
    group = unique("group")
    triggers = await _triggered(e, 2)
    received = await _receive(e, group, "c1", set(triggers))  # never acknowledged
    await own_redis.kill()  # no persistence: it comes back empty

    started = time.monotonic()
    assert await _name(e, product) == "v1"
    await _rename(e, product, "v2")
    assert await _name(e, product) == "v2"
    assert time.monotonic() - started < 5.0, "a dead Redis must not stall reads and writes"
    try:
        await _receive(e, group, "c1", set(triggers))
        raise AssertionError("the stream lives in Redis: its consumer cannot be served")
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.UNAVAILABLE

    await own_redis.start()
    for _ in range(10):
        assert await _name(e, product) == "v2"

    async def trusted() -> bool:
        return e.server.cache.trusted

    await eventually(trusted, within=10)
    assert await _name(e, product) == "v2"
    # Redis lost the stream with both entries: they come again, to the same group.
    again = await _receive_retrying(e, group, "c1", set(triggers))
    assert {a.trigger.id for a in again} >= set(triggers)
    assert {a.delivery_id for a in again}.isdisjoint({a.delivery_id for a in received})
    await _ack(e, group, again)
    assert await _undelivered(e, triggers) == 0


async def test_redis_hung_reads_and_writes_go_on_and_nothing_is_stale_after(
    fenv: Env, own_redis: OwnRedis
):
    e = fenv
    product = await _cached(e, "v1")
    own_redis.pause()
    try:
        started = time.monotonic()
        assert await _name(e, product) == "v1"
        # Redis cannot take the delete: the key is owed, recorded in PostgreSQL.
        await _rename(e, product, "v2")
        assert await _name(e, product) == "v2"
        assert time.monotonic() - started < 6.0, "a hung Redis must not stall reads and writes"
        started = time.monotonic()
        try:
            await _receive(e, unique("group"), "c1", {0})
            raise AssertionError("the stream lives in Redis: its consumer cannot be served")
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.UNAVAILABLE
        assert time.monotonic() - started < 5.0, "a consumer gets UNAVAILABLE, not a hang"
    finally:
        await own_redis.resume()
    # Redis is back with "v1" still in it: never served again.
    for _ in range(20):
        assert await _name(e, product) == "v2"

    async def trusted() -> bool:
        return e.server.cache.trusted

    await eventually(trusted, within=10)
    for _ in range(3):
        assert await _name(e, product) == "v2"


async def test_a_flush_under_a_waiting_consumer_loses_no_trigger(fenv: Env, own_redis: OwnRedis):
    e = fenv
    group = unique("group")
    (trigger,) = await _triggered(e, 1)
    call = e.pricing.StreamTriggeredAlerts(
        pricing.StreamTriggeredAlertsRequest(consumer_group=group, consumer="c1"), timeout=20
    )
    deliveries = []
    async for message in call:
        deliveries.append(message.alert)
        if message.alert.trigger.id == trigger:
            break
    await own_redis.flush()
    # Redis is up: the same call goes on, and the trigger comes again on it.
    async for message in call:
        if message.alert.trigger.id == trigger:
            deliveries.append(message.alert)
            break
    call.cancel()
    mine = [d for d in deliveries if d.trigger.id == trigger]
    assert len(mine) == 2 and mine[0].delivery_id != mine[1].delivery_id
    await _ack(e, group, mine[1:])
    assert await _undelivered(e, [trigger]) == 0


async def test_a_restart_from_an_older_snapshot_loses_no_trigger(fenv: Env, own_redis: OwnRedis):
    e = fenv
    group = unique("group")
    (older,) = await _triggered(e, 1)
    await _receive(e, group, "c1", {older})
    await own_redis.save()  # the snapshot holds `older`, not what follows
    (newer,) = await _triggered(e, 1)
    await _receive(e, group, "c1", {newer})
    await own_redis.kill(keep_snapshot=True)
    await own_redis.start()
    # The stream is back, with `older` only: `newer` is found missing and
    # published again; `older` comes again as this consumer's own pending.
    again = await asyncio.wait_for(_receive_retrying(e, group, "c1", {older, newer}), timeout=30)
    assert {a.trigger.id for a in again} >= {older, newer}
    await _ack(e, group, again)
    assert await _undelivered(e, [older, newer]) == 0
