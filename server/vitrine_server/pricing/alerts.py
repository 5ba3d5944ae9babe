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

Requests are checked in validate.py, queries are alerts_store.py's, and
alerts and deliveries leave as model.py values for convert.py; the one
protobuf here is the stream's payload, a serialized AlertTrigger.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from vitrine_server import errors
from vitrine_server.background import Background, Outage
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.redis import REDIS_DOWN, required
from vitrine_server.db.database import Connection, Database
from vitrine_server.pricing import alerts_store, convert
from vitrine_server.pricing.model import (
    AckRequest,
    AlertListQuery,
    AlertView,
    Delivered,
    NewAlert,
    StreamRequest,
)
from vitrine_server.validation import times

log = logging.getLogger("vitrine.alerts")

READ_COUNT = 100
BLOCK_MS = 1000
REPUBLISH_INTERVAL_S = 2.0
# Stream entries looked up per pipelined round trip when checking for loss.
CHECK_CHUNK = 1000
# Replies of a stream whose key or group vanished under a reader (deleted,
# flushed): the group is created again, Redis being up.
_GROUP_GONE = ("NOGROUP", "UNBLOCKED")


def _state(r: Any, now: datetime) -> str:
    if r["expires_at"] is not None and r["expires_at"] <= now:
        return "expired"
    return "armed" if r["armed"] else "triggered"


class AlertService:
    def __init__(self, db: Database, delivery: AlertDelivery):
        self.db = db
        self.delivery = delivery

    async def create(self, a: NewAlert) -> AlertView:
        try:
            async with self.db.transaction() as tx:
                alert_id = await alerts_store.create_alert(tx, a)
                if alert_id is None:
                    raise errors.NotFound("product", str(a.product_id))
                fired = await alerts_store.evaluate(tx, [a.product_id])
        except asyncpg.UniqueViolationError:
            raise errors.AlreadyExists(
                "price_alert",
                f"{a.user_id}/{a.product_id}/{a.kind}",
                "the user already has an active alert of this kind on this product",
            ) from None
        await self.delivery.publish(fired)
        return (await self._load([alert_id]))[alert_id]

    async def get(self, alert_id: int) -> AlertView:
        found = await self._load([alert_id])
        if alert_id not in found:
            raise errors.NotFound("price_alert", str(alert_id))
        return found[alert_id]

    async def page(self, q: AlertListQuery) -> tuple[list[AlertView], list[Any] | None]:
        """A page of the user's alerts, and the cursor of the next (None: last)."""
        ids = await alerts_store.alert_ids_page(self.db, q.user_id, q.after, q.size + 1)
        page_ids = ids[: q.size]
        found = await self._load(page_ids)
        alerts = [found[i] for i in page_ids if i in found]
        if len(ids) <= q.size or not alerts:
            return alerts, None
        last = alerts[-1].row
        return alerts, [times.micros(last["created_at"]), last["id"]]

    async def delete(self, alert_id: int) -> None:
        if not await alerts_store.delete_alert(self.db, alert_id):
            raise errors.NotFound("price_alert", str(alert_id))

    async def _load(self, alert_ids: list[int]) -> dict[int, AlertView]:
        if not alert_ids:
            return {}
        now = datetime.now(UTC)
        rows = await alerts_store.alerts(self.db, alert_ids)
        triggers: dict[int, list[Any]] = {r["id"]: [] for r in rows}
        for t in await alerts_store.latest_triggers(self.db, list(triggers)):
            triggers[t["alert_id"]].append(t)
        return {r["id"]: AlertView(r, _state(r, now), triggers[r["id"]]) for r in rows}


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
            rows = await alerts_store.triggers_by_id(self.db, trigger_ids)
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
                    {"trigger_id": row["id"], "trigger": convert.trigger(row).SerializeToString()},
                )
            entries = await pipe.execute()
        await alerts_store.mark_published(
            self.db, [r["id"] for r in rows], [e.decode() for e in entries]
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
            if not await alerts_store.publish_lock(tx):
                return 0
            rows = await alerts_store.unpublished_triggers(tx)
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
        ends = await alerts_store.undelivered_ends(tx)
        if all(await self._held(ends)):
            return []
        rows = await alerts_store.undelivered_published(tx)
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

    async def stream_to(self, request: StreamRequest) -> AsyncIterator[Delivered]:
        group, consumer = request.group, request.consumer
        # A consumer that comes back first gets what it had not acknowledged.
        pending = await self._read(group, consumer, "0")
        for message in await self._messages(group, pending, redelivered=True):
            yield message
        while True:
            claimed, fresh = await self._next(group, consumer, request.ack_timeout_s)
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

    async def _messages(self, group: str, streams: Any, *, redelivered: bool) -> list[Delivered]:
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
            out.append(Delivered(entry_id.decode(), fields[b"trigger"], counts.get(entry_id, 1)))
        return out

    async def ack(self, request: AckRequest) -> int:
        delivery_ids = request.delivery_ids
        with required():
            async with self.redis.pipeline(transaction=False) as pipe:
                for d in delivery_ids:
                    pipe.xrange(self.stream, d, d)
                entries = await pipe.execute()
        trigger_ids = [int(e[0][1][b"trigger_id"]) for e in entries if e]
        # PostgreSQL first: if the ack to Redis is lost, a redelivery follows
        # (at least once), never a loss.
        await alerts_store.mark_delivered(self.db, trigger_ids)
        with required():
            return int(await self.redis.xack(self.stream, request.group, *delivery_ids))
