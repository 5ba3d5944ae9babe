"""Price ingestion's queries (store.sql): the only module of ingestion that
talks to PostgreSQL. Every function but history_start runs inside the
batch's transaction."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from vitrine_server.db.database import Connection, Database
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing.model import Accepted, Observation, Offer

Q = load_queries(__package__, "store.sql")

# Up to this many observations, record_observations runs on the plan the
# connection made once (planning it over every monthly partition costs
# ~10 ms, more than recording a few observations); larger batches are
# planned for their own arguments.
SMALL_BATCH = 100


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
