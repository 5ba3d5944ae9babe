"""Price alerts' queries (alerts.sql): the only module of alerts that talks
to PostgreSQL."""

from __future__ import annotations

from typing import Any

import asyncpg

from vitrine_server.db.database import Connection, Database
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing.model import NewAlert

Q = load_queries(__package__, "alerts.sql")

PUBLISH_LOCK_ID = 0x616C657274707562  # "alertpub"


async def create_alert(tx: Connection, a: NewAlert) -> int | None:
    """The new alert's id; None when its product does not exist (live).
    UniqueViolationError when the user has an active one of its kind there."""
    alert_id: int | None = await tx.fetchval(
        Q.create_alert,
        a.user_id,
        a.product_id,
        a.kind,
        a.target_price_minor,
        a.drop_bps,
        a.expires,
    )
    return alert_id


async def evaluate(tx: Connection, product_ids: list[int]) -> list[int]:
    """Re-arm, then fire, the alerts of these products; the new trigger ids."""
    if not product_ids:
        return []
    await tx.execute(Q.rearm_alerts, product_ids)
    return [r["id"] for r in await tx.fetch(Q.fire_alerts, product_ids)]


async def alerts(db: Database, alert_ids: list[int]) -> list[asyncpg.Record]:
    """Alerts by id (deleted ones left out)."""
    return await db.fetch(Q.get_alerts, alert_ids)


async def latest_triggers(db: Database, alert_ids: list[int]) -> list[asyncpg.Record]:
    return await db.fetch(Q.alert_triggers, alert_ids)


async def alert_ids_page(
    db: Database, user_id: str, after: tuple[Any, int] | None, limit: int
) -> list[int]:
    """A user's alert ids, newest first, after (created_at, id)."""
    after_time, after_id = after if after is not None else (None, None)
    rows = await db.fetch(Q.list_alerts, user_id, after_time, after_id, limit)
    return [r["id"] for r in rows]


async def delete_alert(db: Database, alert_id: int) -> bool:
    """False when there was no such (live) alert."""
    async with db.transaction() as tx:
        return await tx.fetchval(Q.delete_alert, alert_id) is not None


async def triggers_by_id(db: Database, trigger_ids: list[int]) -> list[asyncpg.Record]:
    return await db.fetch(Q.triggers_by_id, trigger_ids)


async def mark_published(db: Database, trigger_ids: list[int], entries: list[str]) -> None:
    await db.fetch(Q.mark_published, trigger_ids, entries)


async def mark_delivered(db: Database, trigger_ids: list[int]) -> None:
    await db.fetch(Q.mark_delivered, trigger_ids)


async def publish_lock(tx: Connection) -> bool:
    """This transaction republishes, unless another instance is at it."""
    return bool(await tx.fetchval("SELECT pg_try_advisory_xact_lock($1)", PUBLISH_LOCK_ID))


async def unpublished_triggers(tx: Connection) -> list[asyncpg.Record]:
    return list(await tx.fetch(Q.unpublished_triggers))


async def undelivered_ends(tx: Connection) -> list[asyncpg.Record]:
    """The first and last undelivered triggers published."""
    return await tx.fetch(Q.undelivered_ends)


async def undelivered_published(tx: Connection) -> list[asyncpg.Record]:
    return await tx.fetch(Q.undelivered_published)
