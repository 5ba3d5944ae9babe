"""Pricing's queries: ingestion's (store.sql; every one but history_start
runs inside the batch's transaction), the 30-day averages' upkeep, and the
deals feed's (drops.sql). Alerts have their own (alerts_store.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from vitrine_server.db.database import Connection, Database
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing.model import Accepted, DropQuery, Observation, Offer

Q = load_queries(__package__, "store.sql")
DROPS = load_queries(__package__, "drops.sql")

# Up to this many observations, record_observations runs on the plan the
# connection made once (planning it over every monthly partition costs
# ~10 ms, more than recording a few observations); larger batches are
# planned for their own arguments.
SMALL_BATCH = 100
AVERAGES_CHUNK = 500


async def history_start(db: Database) -> date | None:
    """The first day price_points can hold a row for (None: no partition)."""
    start: date | None = await db.fetchval(Q.history_start)  # a catalog lookup, ~0.1 ms
    return start


async def claim_batch(tx: Connection, batch_id: str) -> bool:
    """Claim the batch id for this transaction; False if it was recorded
    before. A concurrent duplicate waits on the claim until the first
    commits, then sees it recorded."""
    return bool(await tx.fetchval(Q.claim_batch, batch_id))


async def stored_response(tx: Connection, batch_id: str) -> bytes | None:
    stored: bytes | None = await tx.fetchval(Q.batch_response, batch_id)
    return stored


async def save_response(tx: Connection, batch_id: str, response: bytes) -> None:
    await tx.execute(Q.save_batch_response, batch_id, response)


async def resolve_offers(tx: Connection, shaped: list[Observation]) -> dict[int, Offer]:
    """Per position in `shaped`, its offer, locked for the batch in id
    order; positions naming no offer are absent."""
    rows = await tx.fetch(
        Q.resolve_offers,
        [o.offer_id for o in shaped],
        [o.store_id for o in shaped],
        [o.external_id for o in shaped],
    )
    return {r["ord"] - 1: Offer(r["id"], r["product_id"], r["currency_code"]) for r in rows}


async def record_observations(tx: Connection, accepted: list[Accepted]) -> list[asyncpg.Record]:
    """Record the observations in their offers' change-point histories and
    current prices; per observation (`ord`: its request index) whether it
    changed the price in effect at its time."""
    if len(accepted) <= SMALL_BATCH:
        await tx.fetchval(Q.generic_plans)
    return await tx.fetch(
        Q.record_observations,
        [a.index for a in accepted],
        [a.offer_id for a in accepted],
        [a.product_id for a in accepted],
        [a.at for a in accepted],
        [a.currency for a in accepted],
        [a.price for a in accepted],
        [a.original for a in accepted],
        [a.in_stock for a in accepted],
    )


async def refresh_products(tx: Connection, products: list[int]) -> list[int]:
    """Lock the products (id order) and refresh their best offers; the
    products whose best price or stock changed."""
    await tx.execute(Q.lock_products, products)
    rows = await tx.fetch(Q.refresh_best_offers, products)
    return [r["id"] for r in rows if r["price_moved"]]


async def record_best_prices(tx: Connection, since: dict[int, datetime]) -> list[int]:
    """Recompute the best-price history of each product from its instant
    on; the products whose history changed."""
    products = sorted(since)
    rows = await tx.fetch(Q.record_best_prices, products, [since[p] for p in products])
    return [r["product_id"] for r in rows]


async def refresh_averages(conn: Any, product_ids: list[int] | None = None) -> None:
    """Recompute 30-day averages: of these products, or (None) of every
    product whose average may still move (a best-price change within 31 days).

    A chunk of products per transaction, locked in id order as ingestion
    locks them: one statement over every product held their rows long
    enough for concurrent batches to time out, and in no order."""
    if product_ids is None:
        product_ids = [
            r["product_id"] for r in await conn.fetch(Q.products_with_recent_best_changes)
        ]
    product_ids = sorted(product_ids)
    for i in range(0, len(product_ids), AVERAGES_CHUNK):
        chunk = product_ids[i : i + AVERAGES_CHUNK]
        async with conn.transaction():
            await conn.execute(Q.lock_products, chunk)
            await conn.execute(Q.refresh_price_averages, chunk)


async def drops(reads: Reader, q: DropQuery) -> list[asyncpg.Record]:
    """A page of the deals feed and one row more (there is a next page)."""
    after_drop, after_id = q.after if q.after is not None else (None, None)
    return await reads.fetch(
        DROPS.list_drops_vs_average if q.vs_average else DROPS.list_price_drops,
        q.min_drop_bps,
        q.since,
        q.category_id,
        q.store_ids,
        after_drop,
        after_id,
        q.size + 1,
    )
