"""Pricing's queries: ingestion's (store.sql; every one but history_start
runs inside the batch's transaction), the 30-day averages' upkeep, and the
deals feed's (drops.sql) and history's (history.sql). Alerts have their
own (alerts_store.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import asyncpg

from vitrine_server.db.database import Connection, Database
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing.model import Accepted, DropQuery, Observation, Offer
from vitrine_server.pricing.series import Point

Q = load_queries(__package__, "store.sql")
DROPS = load_queries(__package__, "drops.sql")
HISTORY = load_queries(__package__, "history.sql")

# A batch's statements run on the plans their connection made once
# (plan_cache_mode force_generic_plan for the transaction), but for
# record_observations with more than SMALL_BATCH observations, planned for
# its own arguments. Planning record_observations over every monthly
# partition costs ~10 ms, more than recording a few observations; larger
# sets of late or repeated observations are worth their own plan.
# record_next_observations is one key probe per observation at any size
# (planning it for 1,000 cost 2-7 ms a batch), and the products' statements
# that follow ran faster on their generic plans than on plans made for each
# batch, planning included: the best-price history 8-33%, the best offers
# 15-20% (300 products, changes from 5 seconds to 23 days back).
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
    changed the price in effect at its time.

    A scraper's next pass (each offer seen once, later than anything
    stored) is recorded by record_next_observations; whatever it leaves
    (late, duplicate or first observations of an offer) by the general
    record_observations, on other offers. The rest of the transaction
    runs on generic plans (see SMALL_BATCH)."""
    await tx.fetchval(Q.generic_plans)
    rows = await tx.fetch(Q.record_next_observations, *_columns(accepted))
    if len(rows) == len(accepted):
        return rows
    done = {r["ord"] for r in rows}
    rest = [a for a in accepted if a.index not in done]
    if len(rest) <= SMALL_BATCH:
        return rows + await tx.fetch(Q.record_observations, *_columns(rest))
    await tx.fetchval(Q.custom_plans)
    rows += await tx.fetch(Q.record_observations, *_columns(rest))
    await tx.fetchval(Q.generic_plans)
    return rows


def _columns(accepted: list[Accepted]) -> tuple[list[Any], ...]:
    """The observations as the record statements' columns ($1..$8)."""
    return (
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


async def offers_changed(tx: Connection, since: dict[int, datetime]) -> list[int]:
    """After offers changed outside a price batch (UpsertOffers, the demo
    seed): lock the products (id order), refresh their best offers and their
    best-price history from each one's instant in `since`; the products
    whose row changed."""
    products = sorted(since)
    await tx.execute(Q.lock_products, products)
    changed = [r["id"] for r in await tx.fetch(Q.refresh_best_offers, products)]
    await tx.execute(Q.record_best_prices, products, [since[p] for p in products])
    return changed


async def refresh_price_averages(tx: Connection, product_ids: list[int]) -> None:
    """The 30-day average best price of these products, in the caller's
    transaction."""
    await tx.execute(Q.refresh_price_averages, product_ids)


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


# -- history (every read may lag: `reads` is the replica router when
# replicas are configured) ------------------------------------------------------


async def live_product(reads: Reader, product_id: int) -> asyncpg.Record | None:
    """A live product's currency and best current offer."""
    return await reads.fetchrow(HISTORY.product, product_id)


async def product_offers(reads: Reader, product_id: int) -> list[asyncpg.Record]:
    return await reads.fetch(HISTORY.product_offers, product_id)


async def points(
    reads: Reader, offer_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[Point]]:
    """Per offer, its change points in [start, end) and the one in effect at start."""
    by_offer: dict[int, list[Point]] = defaultdict(list)
    for r in await reads.fetch(HISTORY.points_in_range, offer_ids, start, end):
        by_offer[r["offer_id"]].append(
            Point(
                r["valid_from"],
                r["price_minor"],
                r["original_price_minor"],
                r["in_stock"],
                r["offer_id"],
            )
        )
    return by_offer


async def offer_months(
    reads: Reader, offer_id: int, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """The offer and its months of history packed as columns
    (price_point_months) overlapping [start, end); none: no such offer."""
    return await reads.fetch(HISTORY.offer_months, offer_id, start, end)


async def extreme_prices(reads: Reader, product_id: int) -> list[asyncpg.Record]:
    """The product's lowest and highest price ever (`which`: "low" or "high")."""
    return await reads.fetch(HISTORY.extreme_prices, product_id)
