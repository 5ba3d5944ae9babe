"""Price alerts: CRUD, set-based evaluation during ingestion, and durable
delivery through a Redis Stream consumer group.

Evaluation runs in the ingestion transaction, for the products whose best
price or stock changed, as two statements over all their alerts at once
(rearm, then fire: alerts.sql). A trigger is a row in PostgreSQL first;
after the commit it is published to the stream, and the row records the
stream entry it became. PostgreSQL stays the record of what was delivered
(acknowledged): a trigger that could not be published (Redis down) is
published by the delivery loop, and so is one whose entry the stream no
longer holds (Redis flushed, restarted without persistence or from an
older snapshot, the stream deleted or trimmed). Loss is decided by looking
the recorded entries up, never by the stream merely existing: a consumer
reconnecting, or a new trigger, recreates it at once. Consumers see each
trigger at least once and can tell repeats by trigger id.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from vitrine.pricing.v1 import alert_pb2
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.background import Background, Outage
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.redis import REDIS_DOWN, required
from vitrine_server.db.database import Connection, Database
from vitrine_server.db.sql import load_queries
from vitrine_server.rpc import paging
from vitrine_server.rpc.wire import timestamp
from vitrine_server.validation import lists, money, refs, text, times

Q = load_queries(__package__, "alerts.sql")
log = logging.getLogger("vitrine.alerts")

KINDS = {
    alert_pb2.ALERT_KIND_TARGET_PRICE: "target_price",
    alert_pb2.ALERT_KIND_PERCENT_DROP: "percent_drop",
    alert_pb2.ALERT_KIND_BACK_IN_STOCK: "back_in_stock",
    alert_pb2.ALERT_KIND_ANY_CHANGE: "any_change",
}
KIND_OF = {v: k for k, v in KINDS.items()}
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")
# A Redis Stream entry id: milliseconds and a sequence, each a uint64.
_DELIVERY_ID = re.compile(r"^[0-9]{1,20}-[0-9]{1,20}\Z")
# How far ahead an alert may be set to expire.
MAX_EXPIRY = timedelta(days=3650)
DEFAULT_ACK_TIMEOUT_S = 30.0
READ_COUNT = 100
BLOCK_MS = 1000
REPUBLISH_INTERVAL_S = 2.0
PUBLISH_LOCK_ID = 0x616C657274707562  # "alertpub"
# Stream entries looked up per pipelined round trip when checking for loss.
CHECK_CHUNK = 1000
# Replies of a stream whose key or group vanished under a reader (deleted,
# flushed): the group is created again, Redis being up.
_GROUP_GONE = ("NOGROUP", "UNBLOCKED")


def trigger_message(row: Any) -> alert_pb2.AlertTrigger:
    return alert_pb2.AlertTrigger(
        id=row["id"],
        alert_id=row["alert_id"],
        product_id=row["product_id"],
        user_id=row["user_id"],
        cause=KIND_OF[row["cause"]],
        price_minor=row["price_minor"] or 0,
        trigger_time=timestamp(row["triggered_at"]),
    )


async def evaluate(tx: Connection, product_ids: list[int]) -> list[int]:
    """Re-arm, then fire, the alerts of these products; the new trigger ids."""
    if not product_ids:
        return []
    await tx.execute(Q.rearm_alerts, product_ids)
    return [r["id"] for r in await tx.fetch(Q.fire_alerts, product_ids)]


class AlertService:
    def __init__(self, db: Database, delivery: AlertDelivery, tokens: paging.PageTokens):
        self.db = db
        self.delivery = delivery
        self.tokens = tokens

    async def create(self, request: api.CreatePriceAlertRequest) -> alert_pb2.PriceAlert:
        a = request.alert
        v = errors.Violations()
        text.user_id(v, "alert.user_id", a.user_id)
        refs.positive_id(v, "alert.product_id", a.product_id)
        kind = KINDS.get(a.kind)
        if kind is None:
            v.add("alert.kind", "must be TARGET_PRICE, PERCENT_DROP, BACK_IN_STOCK or ANY_CHANGE")
        if kind == "target_price":
            money.amount(v, "alert.target_price_minor", a.target_price_minor)
        if kind == "percent_drop" and not 1 <= a.drop_bps <= 10_000:
            v.add("alert.drop_bps", "must be 1-10000 basis points for a percent drop alert")
        expires = None
        if a.HasField("expire_time"):
            expires = times.future(
                v, "alert.expire_time", a.expire_time, now=datetime.now(UTC), max_ahead=MAX_EXPIRY
            )
        v.raise_if_any()
        try:
            async with self.db.transaction() as tx:
                alert_id = await tx.fetchval(
                    Q.create_alert,
                    a.user_id,
                    a.product_id,
                    kind,
                    a.target_price_minor if kind == "target_price" else None,
                    a.drop_bps if kind == "percent_drop" else None,
                    expires,
                )
                if alert_id is None:
                    raise errors.NotFound("product", str(a.product_id))
                fired = await evaluate(tx, [a.product_id])
        except asyncpg.UniqueViolationError:
            raise errors.AlreadyExists(
                "price_alert",
                f"{a.user_id}/{a.product_id}/{kind}",
                "the user already has an active alert of this kind on this product",
            ) from None
        await self.delivery.publish(fired)
        return (await self._load([alert_id]))[alert_id]

    async def get(self, request: api.GetPriceAlertRequest) -> alert_pb2.PriceAlert:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        v.raise_if_any()
        found = await self._load([request.id])
        if request.id not in found:
            raise errors.NotFound("price_alert", str(request.id))
        return found[request.id]

    async def list_alerts(self, request: api.ListPriceAlertsRequest) -> api.ListPriceAlertsResponse:
        v = errors.Violations()
        text.user_id(v, "user_id", request.user_id)
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, (paging.MICROS, paging.INT64))
        after_time, after_id = cursor if cursor is not None else (None, None)
        rows = await self.db.fetch(Q.list_alerts, request.user_id, after_time, after_id, size + 1)
        alert_ids = [r["id"] for r in rows[:size]]
        found = await self._load(alert_ids)
        response = api.ListPriceAlertsResponse(alerts=[found[i] for i in alert_ids if i in found])
        if len(rows) > size and response.alerts:
            last = response.alerts[-1]
            response.next_page_token = await self.tokens.encode(
                request, [times.micros(times.to_datetime(last.create_time)), last.id]
            )
        return response

    async def delete(self, request: api.DeletePriceAlertRequest) -> None:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        v.raise_if_any()
        async with self.db.transaction() as tx:
            if await tx.fetchval(Q.delete_alert, request.id) is None:
                raise errors.NotFound("price_alert", str(request.id))

    async def _load(self, alert_ids: list[int]) -> dict[int, alert_pb2.PriceAlert]:
        if not alert_ids:
            return {}
        now = datetime.now(UTC)
        out: dict[int, alert_pb2.PriceAlert] = {}
        for r in await self.db.fetch(Q.get_alerts, alert_ids):
            expired = r["expires_at"] is not None and r["expires_at"] <= now
            state = (
                alert_pb2.ALERT_STATE_EXPIRED
                if expired
                else alert_pb2.ALERT_STATE_ARMED
                if r["armed"]
                else alert_pb2.ALERT_STATE_TRIGGERED
            )
            out[r["id"]] = alert_pb2.PriceAlert(
                id=r["id"],
                user_id=r["user_id"],
                product_id=r["product_id"],
                kind=KIND_OF[r["kind"]],
                target_price_minor=r["target_price_minor"] or 0,
                drop_bps=r["drop_bps"] or 0,
                expire_time=timestamp(r["expires_at"]),
                state=state,
                baseline_price_minor=r["baseline_price_minor"] or 0,
                last_trigger_time=timestamp(r["last_triggered_at"]),
                create_time=timestamp(r["created_at"]),
            )
        for t in await self.db.fetch(Q.alert_triggers, list(out)):
            out[t["alert_id"]].triggers.append(trigger_message(t))
        return out


class AlertDelivery(Background):
    """Publishing triggers to the stream, and reading them by consumer group;
    in the background, publishing again what Redis missed or lost."""

    task_name = "alert-delivery"

    def __init__(self, db: Database, redis: aioredis.Redis, blocking: aioredis.Redis, keys: Keys):
        self.db = db
        self.redis = redis
        # Blocking reads wait up to BLOCK_MS: they need a client without the
        # short read timeout of the cache's.
        self.blocking = blocking
        self.stream = keys.alerts_stream()

    # -- publishing -----------------------------------------------------

    async def publish(self, trigger_ids: list[int]) -> None:
        """After the commit: put these triggers on the stream (best effort:
        the delivery loop publishes whatever this could not)."""
        if not trigger_ids:
            return
        try:
            rows = await self.db.fetch(Q.triggers_by_id, trigger_ids)
            await self._publish_rows(rows)
        except (*REDIS_DOWN, errors.Unavailable):
            log.warning("could not publish %d alert triggers now; retrying later", len(trigger_ids))

    async def _publish_rows(self, rows: list[Any]) -> None:
        if not rows:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                pipe.xadd(
                    self.stream,
                    {"trigger_id": row["id"], "trigger": trigger_message(row).SerializeToString()},
                )
            entries = await pipe.execute()
        await self.db.fetch(
            Q.mark_published, [r["id"] for r in rows], [e.decode() for e in entries]
        )

    async def _run(self) -> None:
        outage = Outage(log, "alert delivery", (*REDIS_DOWN, errors.VitrineError))
        while True:
            await asyncio.sleep(REPUBLISH_INTERVAL_S)
            try:
                await self.republish()
            except Exception as err:
                outage.failed(err)
            else:
                outage.succeeded()

    async def republish(self) -> int:
        """Publish what was never published, and again what the stream lost.
        One instance at a time."""
        async with self.db.transaction() as tx:
            if not await tx.fetchval("SELECT pg_try_advisory_xact_lock($1)", PUBLISH_LOCK_ID):
                return 0
            rows = list(await tx.fetch(Q.unpublished_triggers))
            lost = await self._lost(tx)
            if lost:
                log.warning(
                    "the alert stream in Redis lost %d undelivered triggers: publishing them again",
                    len(lost),
                )
            await self._publish_rows(rows + lost)
        return len(rows) + len(lost)

    async def _lost(self, tx: Connection) -> list[Any]:
        """Undelivered triggers whose stream entry Redis no longer holds. The
        first and last published are looked up every round (one query, one
        round trip); only when one is missing is every one looked up."""
        ends = await tx.fetch(Q.undelivered_ends)
        if all(await self._held(ends)):
            return []
        rows = await tx.fetch(Q.undelivered_published)
        held: list[bool] = []
        for i in range(0, len(rows), CHECK_CHUNK):
            held += await self._held(rows[i : i + CHECK_CHUNK])
        return [row for row, there in zip(rows, held, strict=True) if not there]

    async def _held(self, rows: list[Any]) -> list[bool]:
        """Whether the stream holds each row's entry (rows published before
        entries were recorded have none: they count as lost, once)."""
        if not rows:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                entry = row["delivery_id"] or "0-0"
                pipe.xrange(self.stream, entry, entry)
            found = await pipe.execute()
        return [
            bool(f) and row["delivery_id"] is not None and int(f[0][1][b"trigger_id"]) == row["id"]
            for row, f in zip(rows, found, strict=True)
        ]

    # -- consuming ------------------------------------------------------

    async def _ensure_group(self, group: str) -> None:
        try:
            await self.redis.xgroup_create(self.stream, group, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise

    async def stream_to(
        self, request: api.StreamTriggeredAlertsRequest
    ) -> AsyncIterator[api.StreamTriggeredAlertsResponse]:
        v = errors.Violations()
        for name in ("consumer_group", "consumer"):
            if not _NAME.match(getattr(request, name)):
                v.add(name, "must be 1-64 letters, digits, '.', '-' or '_'")
        timeout_s: float | None = DEFAULT_ACK_TIMEOUT_S
        if request.HasField("ack_timeout"):
            timeout_s = times.duration(
                v, "ack_timeout", request.ack_timeout, minimum=1, maximum=3600
            )
        v.raise_if_any()
        assert timeout_s is not None
        group, consumer = request.consumer_group, request.consumer
        # A consumer that comes back first gets what it had not acknowledged.
        pending = await self._read(group, consumer, "0")
        for message in await self._messages(group, pending, redelivered=True):
            yield message
        while True:
            claimed, fresh = await self._next(group, consumer, timeout_s)
            for message in await self._messages(group, claimed, redelivered=True):
                yield message
            for message in await self._messages(group, fresh, redelivered=False):
                yield message

    async def _read(self, group: str, consumer: str, since: str) -> Any:
        """This consumer's entries after `since` ("0": its unacknowledged ones)."""
        with required():
            while True:
                await self._ensure_group(group)
                try:
                    return await self.blocking.xreadgroup(
                        group, consumer, {self.stream: since}, count=READ_COUNT
                    )
                except ResponseError as err:
                    if not str(err).startswith(_GROUP_GONE):
                        raise

    async def _next(self, group: str, consumer: str, timeout_s: float) -> tuple[Any, Any]:
        """Entries other consumers left unacknowledged past `timeout_s`, then
        new ones (waiting up to BLOCK_MS). A stream or group that vanished
        meanwhile (deleted, flushed) is created again: Redis is up, and what
        it lost is published again from PostgreSQL."""
        with required():
            while True:
                try:
                    claimed = await self.blocking.xautoclaim(
                        self.stream, group, consumer, int(timeout_s * 1000), "0-0", count=READ_COUNT
                    )
                    fresh = await self.blocking.xreadgroup(
                        group, consumer, {self.stream: ">"}, count=READ_COUNT, block=BLOCK_MS
                    )
                except ResponseError as err:
                    if not str(err).startswith(_GROUP_GONE):
                        raise
                    await self._ensure_group(group)
                    continue
                entries = [[self.stream, claimed[1]]] if claimed and claimed[1] else []
                return entries, fresh

    async def _messages(
        self, group: str, streams: Any, *, redelivered: bool
    ) -> list[api.StreamTriggeredAlertsResponse]:
        out = []
        counts: dict[Any, Any] = {}
        entries = [e for _, items in (streams or []) for e in items if e and e[1]]
        if redelivered and entries:
            with required():
                for p in await self.redis.xpending_range(
                    self.stream,
                    group,
                    min=entries[0][0],
                    max=entries[-1][0],
                    count=len(entries) * 2,
                ):
                    counts[p["message_id"]] = p["times_delivered"]
        for entry_id, fields in entries:
            out.append(
                api.StreamTriggeredAlertsResponse(
                    alert=alert_pb2.TriggeredAlert(
                        delivery_id=entry_id.decode(),
                        trigger=alert_pb2.AlertTrigger.FromString(fields[b"trigger"]),
                        delivery_count=counts.get(entry_id, 1),
                    )
                )
            )
        return out

    async def ack(self, request: api.AckAlertsRequest) -> int:
        v = errors.Violations()
        if not _NAME.match(request.consumer_group):
            v.add("consumer_group", "must be 1-64 letters, digits, '.', '-' or '_'")
        delivery_ids = list(request.delivery_ids)
        if not delivery_ids:
            v.add("delivery_ids", "must hold 1 to 1000 ids")
        elif lists.within(v, "delivery_ids", delivery_ids, 1000, noun="ids"):
            for i, d in enumerate(delivery_ids):
                if not _DELIVERY_ID.match(d):
                    v.add(f"delivery_ids[{i}]", "is not a delivery id")
        v.raise_if_any()
        with required():
            async with self.redis.pipeline(transaction=False) as pipe:
                for d in delivery_ids:
                    pipe.xrange(self.stream, d, d)
                entries = await pipe.execute()
        trigger_ids = [int(e[0][1][b"trigger_id"]) for e in entries if e]
        # PostgreSQL first: if the ack to Redis is lost, a redelivery follows
        # (at least once), never a loss.
        await self.db.fetch(Q.mark_delivered, trigger_ids)
        with required():
            return int(await self.redis.xack(self.stream, request.consumer_group, *delivery_ids))
