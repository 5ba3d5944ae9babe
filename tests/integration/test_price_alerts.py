"""Price alerts: every kind triggers from ingestion, re-arming without
floods, expiry, delivery at least once through a consumer group, and
survival of a Redis flush."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import grpc
from google.protobuf.duration_pb2 import Duration
from vitrine.pricing.v1 import alert_pb2
from vitrine.pricing.v1 import pricing_service_pb2 as api

from tests.integration.test_pricing_ingestion import NOW, seen, ts
from tests.support import (
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    unique,
    violated_fields,
)

K = alert_pb2
INVALID = grpc.StatusCode.INVALID_ARGUMENT


class Shop:
    """A product with one offer, and a clock that moves forward per price."""

    def __init__(self, env, product, offer):
        self.env, self.product, self.offer = env, product, offer
        self.at = NOW - dt.timedelta(hours=10)

    @classmethod
    async def open(cls, env, price: int = 10000) -> Shop:
        category = await make_category(env.catalog)
        store = await make_store(env.catalog)
        product = await make_product(env.catalog, category.id)
        offer = await make_offer(
            env.catalog, product.id, store.id, price, observed=ts(NOW - dt.timedelta(hours=11))
        )
        return cls(env, product, offer)

    async def price(self, amount: int, *, in_stock: bool = True) -> None:
        self.at += dt.timedelta(minutes=10)
        await self.env.pricing.RecordPriceBatch(
            api.RecordPriceBatchRequest(
                batch_id=uuid.uuid4().hex,
                observations=[seen(self.offer.id, amount, self.at, in_stock=in_stock)],
            )
        )

    async def alert(self, **fields) -> alert_pb2.PriceAlert:
        fields.setdefault("user_id", unique("user"))
        response = await self.env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(alert=dict(product_id=self.product.id, **fields))
        )
        return response.alert

    async def triggers(self, alert_id: int) -> list[int]:
        got = await self.env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=alert_id))
        return [t.price_minor for t in reversed(got.alert.triggers)]


async def test_target_price_triggers_once_and_rearms_above_the_target(env):
    shop = await Shop.open(env)
    alert = await shop.alert(kind=K.ALERT_KIND_TARGET_PRICE, target_price_minor=8000)
    assert alert.state == K.ALERT_STATE_ARMED and alert.baseline_price_minor == 10000
    await shop.price(7900)  # below: triggers
    await shop.price(7950)  # hovering below: no flood
    await shop.price(7800)
    assert await shop.triggers(alert.id) == [7900]
    got = (await env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=alert.id))).alert
    assert (
        got.state == K.ALERT_STATE_TRIGGERED and got.triggers[0].cause == K.ALERT_KIND_TARGET_PRICE
    )
    await shop.price(8100)  # above: re-armed
    await shop.price(7990)  # below again: a second trigger
    assert await shop.triggers(alert.id) == [7900, 7990]


async def test_percent_drop_back_in_stock_and_any_change(env):
    shop = await Shop.open(env)
    drop = await shop.alert(kind=K.ALERT_KIND_PERCENT_DROP, drop_bps=1500)
    back = await shop.alert(kind=K.ALERT_KIND_BACK_IN_STOCK)
    change = await shop.alert(kind=K.ALERT_KIND_ANY_CHANGE)
    assert back.state == K.ALERT_STATE_TRIGGERED  # in stock now: waits for an out-of-stock spell
    await shop.price(9000)  # -10%: not enough; a change
    await shop.price(9000, in_stock=False)
    await shop.price(8400)  # -16% and back in stock
    assert await shop.triggers(drop.id) == [8400]
    assert await shop.triggers(back.id) == [8400]
    assert await shop.triggers(change.id) == [9000, 8400]


async def test_a_created_alert_whose_condition_holds_triggers_at_once(env):
    shop = await Shop.open(env, price=5000)
    alert = await shop.alert(kind=K.ALERT_KIND_TARGET_PRICE, target_price_minor=6000)
    assert alert.state == K.ALERT_STATE_TRIGGERED and [t.price_minor for t in alert.triggers] == [
        5000
    ]


async def test_expired_alerts_never_trigger(env, db):
    shop = await Shop.open(env)
    alert = await shop.alert(
        kind=K.ALERT_KIND_TARGET_PRICE,
        target_price_minor=8000,
        expire_time=ts(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)),
    )
    await db.execute("UPDATE price_alerts SET expires_at = now() WHERE id = $1", alert.id)
    await shop.price(7000)
    got = (await env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=alert.id))).alert
    assert got.state == K.ALERT_STATE_EXPIRED and not got.triggers


async def test_crud_and_bad_input(env, db):
    shop = await Shop.open(env)
    user = unique("user")
    a = await shop.alert(user_id=user, kind=K.ALERT_KIND_ANY_CHANGE)
    b = await shop.alert(user_id=user, kind=K.ALERT_KIND_BACK_IN_STOCK)
    await expect_error(
        env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(
                alert=dict(user_id=user, product_id=shop.product.id, kind=K.ALERT_KIND_ANY_CHANGE)
            )
        ),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    listed = await env.pricing.ListPriceAlerts(
        api.ListPriceAlertsRequest(user_id=user, page_size=1)
    )
    assert [x.id for x in listed.alerts] == [b.id]
    rest = await env.pricing.ListPriceAlerts(
        api.ListPriceAlertsRequest(user_id=user, page_size=1, page_token=listed.next_page_token)
    )
    assert [x.id for x in rest.alerts] == [a.id] and not rest.next_page_token
    await env.pricing.DeletePriceAlert(api.DeletePriceAlertRequest(id=a.id))
    await expect_error(
        env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=a.id)), grpc.StatusCode.NOT_FOUND
    )
    await expect_error(
        env.pricing.DeletePriceAlert(api.DeletePriceAlertRequest(id=a.id)),
        grpc.StatusCode.NOT_FOUND,
    )
    # Deleted: the same kind may be created again.
    await shop.alert(user_id=user, kind=K.ALERT_KIND_ANY_CHANGE)

    before = await db.fetchval("SELECT count(*) FROM price_alerts")
    err = await expect_error(
        env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(
                alert=dict(
                    user_id="",
                    product_id=0,
                    kind=K.ALERT_KIND_UNSPECIFIED,
                    expire_time=ts(NOW - dt.timedelta(days=1)),
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "alert.user_id",
        "alert.product_id",
        "alert.kind",
        "alert.expire_time",
    }
    err = await expect_error(
        env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(
                alert=dict(user_id="u", product_id=1, kind=K.ALERT_KIND_TARGET_PRICE)
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {"alert.target_price_minor"}
    err = await expect_error(
        env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(
                alert=dict(
                    user_id="u", product_id=1, kind=K.ALERT_KIND_PERCENT_DROP, drop_bps=20000
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {"alert.drop_bps"}
    await expect_error(
        env.pricing.CreatePriceAlert(
            api.CreatePriceAlertRequest(
                alert=dict(user_id="u", product_id=987_654_321, kind=K.ALERT_KIND_ANY_CHANGE)
            )
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert await db.fetchval("SELECT count(*) FROM price_alerts") == before
    await expect_error(env.pricing.ListPriceAlerts(api.ListPriceAlertsRequest(user_id="")), INVALID)
    await expect_error(env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=0)), INVALID)
    await expect_error(env.pricing.AckAlerts(api.AckAlertsRequest(consumer_group="g")), INVALID)
    await expect_error(
        env.pricing.AckAlerts(api.AckAlertsRequest(consumer_group="bad group", delivery_ids=["x"])),
        INVALID,
    )


async def _receive(env, group: str, consumer: str, wanted: set[int], ack_timeout: float = 30.0):
    """Read the group's stream until every wanted trigger arrived; those deliveries."""
    call = env.pricing.StreamTriggeredAlerts(
        api.StreamTriggeredAlertsRequest(
            consumer_group=group,
            consumer=consumer,
            ack_timeout=Duration(seconds=int(ack_timeout), nanos=int(ack_timeout % 1 * 1e9)),
        ),
        timeout=15,
    )
    got = []
    async for message in call:
        if message.alert.trigger.id in wanted:
            got.append(message.alert)
        if wanted <= {a.trigger.id for a in got}:
            break
    call.cancel()
    return got


async def _triggered(env, n: int = 1) -> list[int]:
    """n fresh triggers (each a new product), their ids."""
    ids = []
    for _ in range(n):
        shop = await Shop.open(env)
        alert = await shop.alert(kind=K.ALERT_KIND_TARGET_PRICE, target_price_minor=9000)
        await shop.price(8000)
        got = (await env.pricing.GetPriceAlert(api.GetPriceAlertRequest(id=alert.id))).alert
        ids.append(got.triggers[0].id)
    return ids


async def test_delivery_ack_and_redelivery_after_timeout(env, db):
    group = unique("group")
    wanted = set(await _triggered(env, 2))
    # The group starts at the stream's beginning: ours are among what it gets.
    first = await _receive(env, group, "c1", wanted, ack_timeout=1)
    assert sorted(a.trigger.id for a in first) == sorted(wanted)  # each once
    one, two = first
    acked = await env.pricing.AckAlerts(
        api.AckAlertsRequest(consumer_group=group, delivery_ids=[one.delivery_id])
    )
    assert acked.acknowledged_count == 1
    assert await db.fetchval(
        "SELECT delivered_at IS NOT NULL FROM price_alert_triggers WHERE id = $1", one.trigger.id
    )
    await asyncio.sleep(1.2)
    # Unacknowledged past its timeout: another consumer of the group gets it again.
    again = await _receive(env, group, "c2", {two.trigger.id}, ack_timeout=1)
    assert [a.trigger.id for a in again] == [two.trigger.id]
    assert again[0].delivery_count >= 2
    await env.pricing.AckAlerts(
        api.AckAlertsRequest(consumer_group=group, delivery_ids=[two.delivery_id])
    )


async def test_a_consumer_that_comes_back_gets_its_pending_first(env):
    group = unique("group")
    wanted = set(await _triggered(env, 1))
    got = await _receive(env, group, "c1", wanted)
    # Restarted without acking: its pending alert comes again, to it.
    back = await _receive(env, group, "c1", wanted)
    assert back[0].delivery_id == got[0].delivery_id


async def test_nothing_is_lost_when_redis_loses_the_stream(env):
    (trigger_id,) = await _triggered(env, 1)
    stream = env.server.cache.keys.alerts_stream()
    await env.server.cache.redis.delete(stream)  # as a flush or a restart would
    await env.server.alert_delivery.republish()
    group = unique("group")
    got = await _receive(env, group, "c1", {trigger_id})
    assert [a.trigger.id for a in got] == [trigger_id]


async def test_a_lost_stream_is_found_although_redis_recreated_it(env, db):
    """A consumer reconnects, and a new trigger is published, before the
    delivery loop looks: the stream exists again, but without the entries
    PostgreSQL says were published and not delivered. Those come again."""
    group = unique("group")
    (lost,) = await _triggered(env, 1)
    first = await _receive(env, group, "c1", {lost})  # received, never acknowledged
    stream = env.server.cache.keys.alerts_stream()
    await env.server.cache.redis.delete(stream)  # as a flush or a restart would
    (fresh,) = await _triggered(env, 1)  # its XADD makes the stream exist again
    assert await env.server.cache.redis.exists(stream)
    # The delivery loop does this every 2 s (or this call, whichever first).
    await env.server.alert_delivery.republish()
    again = await _receive(env, group, "c1", {lost, fresh})
    assert {a.trigger.id for a in again} >= {lost, fresh}
    redelivered = next(a for a in again if a.trigger.id == lost)
    assert redelivered.delivery_id != first[0].delivery_id
    # Acknowledged now: PostgreSQL says delivered, and nothing comes again.
    await env.pricing.AckAlerts(
        api.AckAlertsRequest(consumer_group=group, delivery_ids=[a.delivery_id for a in again])
    )
    undelivered = (
        "SELECT count(*) FROM price_alert_triggers WHERE id = ANY($1) AND delivered_at IS NULL"
    )
    assert await db.fetchval(undelivered, [lost, fresh]) == 0
    assert await env.server.alert_delivery.republish() == 0


async def test_a_consumer_keeps_streaming_when_its_stream_is_deleted(env):
    """Redis is up: a stream deleted under a waiting consumer is created
    again, and what it held is published again, to the same open call."""
    group = unique("group")
    (before,) = await _triggered(env, 1)
    call = env.pricing.StreamTriggeredAlerts(
        api.StreamTriggeredAlertsRequest(consumer_group=group, consumer="c1"), timeout=15
    )
    seen_ids = []
    async for message in call:
        seen_ids.append(message.alert.trigger.id)
        if before in seen_ids:
            break
    stream = env.server.cache.keys.alerts_stream()
    await env.server.cache.redis.delete(stream)  # while the consumer waits in XREADGROUP
    await asyncio.sleep(0.3)
    await env.server.alert_delivery.republish()
    async for message in call:
        if message.alert.trigger.id == before:
            break
    call.cancel()


async def test_streaming_and_delete_bad_input(env):
    await expect_error(env.pricing.DeletePriceAlert(api.DeletePriceAlertRequest(id=0)), INVALID)
    for bad in (
        dict(consumer_group="", consumer="c"),
        dict(consumer_group="g", consumer="has space"),
        dict(consumer_group="g", consumer="c", ack_timeout=Duration(seconds=0)),
        dict(consumer_group="g", consumer="c", ack_timeout=Duration(seconds=7200)),
    ):
        call = env.pricing.StreamTriggeredAlerts(api.StreamTriggeredAlertsRequest(**bad), timeout=5)
        err = await expect_error(call.read(), INVALID)
        assert violated_fields(err) & {"consumer_group", "consumer", "ack_timeout"}
