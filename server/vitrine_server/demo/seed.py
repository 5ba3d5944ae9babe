"""Load a realistic demo catalog into an empty database.

``seed_demo`` writes what ``generate.build_catalog`` plans: stores and
categories row by row (a few dozen, and categories need their parent's id),
products, offers and price history by COPY. Offers and history rows refer to
products and offers by slug and external id; the ids the database assigned
are read back after each COPY.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg

from vitrine_server.db.sql import load_queries
from vitrine_server.demo.catalog import StoreSpec
from vitrine_server.demo.generate import (
    COUNTRY,
    CURRENCY,
    HISTORY_DAYS,
    CategoryPlan,
    ProductPlan,
    build_catalog,
)
from vitrine_server.pricing import service as pricing

_Q = load_queries(__package__, "seed.sql")

_PRODUCT_STAGE_COLUMNS = (
    "slug",
    "name",
    "description",
    "brand",
    "category_id",
    "attributes",
    "image_url",
    "rating",
    "review_count",
    "currency_code",
    "external_id",
    "source_store_id",
    "created_at",
)
# Generated columns (discount_bps) and the identity are left out of COPY.
_OFFER_COLUMNS = (
    "product_id",
    "store_id",
    "external_id",
    "url",
    "currency_code",
    "price_minor",
    "original_price_minor",
    "in_stock",
    "observed_at",
    "price_since",
    "last_seen_at",
    "created_at",
    "updated_at",
)
_PRICE_POINT_COLUMNS = (
    "offer_id",
    "product_id",
    "valid_from",
    "last_seen_at",
    "currency_code",
    "price_minor",
    "original_price_minor",
    "in_stock",
)

OfferKey = tuple[int, str]  # (store id, external id): unique per offer


async def seed_demo(
    conn: asyncpg.Connection, *, products: int = 3000, seed: int = 42
) -> dict[str, int]:
    """Load the demo catalog if the database has no products yet.

    Runs in one transaction, serialised against concurrent seeders. The same
    ``seed`` always yields the same catalog (timestamps are relative to now).
    Returns the number of rows loaded per table, or ``{}`` when products
    already existed and nothing was written. Stores and categories whose slug
    already exists are reused as they are. Raises ValueError when ``products``
    exceeds what the templates can name (``generate.catalog_capacity()``).
    """
    async with conn.transaction():
        await conn.execute(_Q.lock_demo_seed)
        if await conn.fetchval(_Q.catalog_has_products):
            return {}
        now = datetime.now(UTC).replace(microsecond=0)
        catalog = build_catalog(products, seed, now)
        await conn.execute(
            _Q.ensure_history_partitions, (now - timedelta(days=HISTORY_DAYS)).date(), now.date()
        )

        store_ids = await _insert_stores(conn, catalog.stores)
        category_ids = await _insert_categories(conn, catalog.categories)
        product_ids = await _load_products(conn, catalog.products, category_ids, store_ids)
        offer_ids = await _load_offers(conn, catalog.products, product_ids, store_ids)
        price_points = await _load_price_points(
            conn, catalog.products, product_ids, offer_ids, store_ids
        )
        # Best offers, the best-price history of the demo's price history from
        # its start, and the 30-day averages...
        beginning = datetime.min.replace(tzinfo=UTC)
        await pricing.offers_changed(conn, dict.fromkeys(product_ids.values(), beginning))
        # ...and what the deals feed needs of it: the previous best price.
        await conn.execute(_Q.settle_best_price_changes, list(product_ids.values()))
        await conn.execute(_Q.analyze_catalog)

    return {
        "stores": len(store_ids),
        "categories": len(category_ids),
        "products": len(product_ids),
        "offers": len(offer_ids),
        "price_points": price_points,
    }


async def _insert_stores(conn: asyncpg.Connection, stores: Sequence[StoreSpec]) -> dict[str, int]:
    """Store id by slug."""
    return {
        store.slug: await conn.fetchval(
            _Q.upsert_store, store.slug, store.name, COUNTRY, CURRENCY, store.url
        )
        for store in stores
    }


async def _insert_categories(
    conn: asyncpg.Connection, categories: Sequence[CategoryPlan]
) -> dict[str, int]:
    """Category id by slug; parents come first in ``categories``."""
    ids: dict[str, int] = {}
    for category in categories:
        parent_id = ids[category.parent_slug] if category.parent_slug else None
        ids[category.slug] = await conn.fetchval(
            _Q.upsert_category, parent_id, category.slug, category.name
        )
    return ids


async def _load_products(
    conn: asyncpg.Connection,
    products: Sequence[ProductPlan],
    category_ids: dict[str, int],
    store_ids: dict[str, int],
) -> dict[str, int]:
    """COPY the products through the staging table; product id by slug."""
    # A product's source is the store it was first scraped from: its first offer.
    records = [
        (
            product.slug,
            product.name,
            product.description,
            product.brand,
            category_ids[product.category_slug],
            json.dumps(product.attributes, ensure_ascii=False),
            product.image_url,
            product.rating,
            product.review_count,
            CURRENCY,
            product.offers[0].external_id,
            store_ids[product.offers[0].store_slug],
            product.created_at,
        )
        for product in products
    ]
    await conn.execute(_Q.create_product_stage)
    await conn.copy_records_to_table(
        "demo_product_stage", records=records, columns=_PRODUCT_STAGE_COLUMNS
    )
    rows = await conn.fetch(_Q.insert_staged_products)
    return {row["slug"]: row["id"] for row in rows}


async def _load_offers(
    conn: asyncpg.Connection,
    products: Sequence[ProductPlan],
    product_ids: dict[str, int],
    store_ids: dict[str, int],
) -> dict[OfferKey, int]:
    """COPY every product's offers; offer id by (store id, external id)."""
    records = [
        (
            product_ids[product.slug],
            store_ids[offer.store_slug],
            offer.external_id,
            offer.url,
            CURRENCY,
            offer.price_minor,
            offer.original_price_minor,
            offer.in_stock,
            offer.observed_at,
            offer.price_since,
            offer.last_seen_at,
            offer.created_at,
            offer.observed_at,
        )
        for product in products
        for offer in product.offers
    ]
    await conn.copy_records_to_table("offers", records=records, columns=_OFFER_COLUMNS)
    rows = await conn.fetch(_Q.offer_keys, list(product_ids.values()))
    return {(row["store_id"], row["external_id"]): row["id"] for row in rows}


async def _load_price_points(
    conn: asyncpg.Connection,
    products: Sequence[ProductPlan],
    product_ids: dict[str, int],
    offer_ids: dict[OfferKey, int],
    store_ids: dict[str, int],
) -> int:
    """COPY every offer's price history; returns the number of rows."""
    records = [
        (
            offer_ids[store_ids[offer.store_slug], offer.external_id],
            product_ids[product.slug],
            point.valid_from,
            point.last_seen_at,
            CURRENCY,
            point.price_minor,
            point.original_price_minor,
            point.in_stock,
        )
        for product in products
        for offer in product.offers
        for point in offer.history
    ]
    await conn.copy_records_to_table("price_points", records=records, columns=_PRICE_POINT_COLUMNS)
    return len(records)
