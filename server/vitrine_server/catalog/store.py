"""The catalog's queries over products, categories and stores: the only
place they run. Statements live in the .sql files beside this one (their
names, e.g. `catalog.products.get_products`, are what AdminService's
ExplainStatement takes); values only ever travel as `$n` parameters.

Constraint violations come back as the domain's `Conflict`, naming the
constraint, so the service decides what the caller is told.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg

from vitrine_server.catalog.model import (
    NewCategory,
    NewStore,
    OfferInput,
    OfferListQuery,
    ProductChange,
    ProductFields,
    ProductFilter,
    ProductListQuery,
    ProductOrder,
    ProductState,
)
from vitrine_server.db.coalesce import Coalescer
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing import service as pricing

PRODUCTS = load_queries(__package__, "products.sql")
CATEGORIES = load_queries(__package__, "categories.sql")
STORES = load_queries(__package__, "stores.sql")
OFFERS = load_queries(__package__, "offers.sql")
FAVORITES = load_queries(__package__, "favorites.sql")

_LIST_QUERY = {
    ProductOrder.BEST_PRICE: PRODUCTS.list_products_by_price,
    ProductOrder.RATING: PRODUCTS.list_products_by_rating,
    ProductOrder.NEWEST: PRODUCTS.list_products_by_newest,
    ProductOrder.DISCOUNT: PRODUCTS.list_products_by_discount,
}

# A row as asyncpg returns it (asyncpg.Record; untyped to mypy)
Row = Any


class Conflict(Exception):
    """A write broke a constraint: `unique` (else a foreign key), named."""

    def __init__(self, constraint: str, *, unique: bool):
        super().__init__(constraint)
        self.constraint = constraint
        self.unique = unique


@contextlib.contextmanager
def _conflicts() -> Iterator[None]:
    try:
        yield
    except asyncpg.UniqueViolationError as err:
        raise Conflict(err.constraint_name or "", unique=True) from None
    except asyncpg.ForeignKeyViolationError as err:
        raise Conflict(err.constraint_name or "", unique=False) from None


def _filter_args(f: ProductFilter) -> tuple[Any, ...]:
    """$1-$8 of every ListProducts statement (products.sql, list_filters)."""
    return (
        f.category_id,
        f.brands,
        f.store_ids,
        f.min_price_minor,
        f.max_price_minor,
        f.currency,
        f.in_stock_only,
        f.show_deleted,
    )


def _field_args(p: ProductFields) -> tuple[Any, ...]:
    """The writable fields, as create_product and update_product bind them."""
    return (
        p.slug,
        p.name,
        p.description,
        p.brand,
        p.category_id,
        p.attributes,
        p.image_url,
        p.rating,
        p.review_count,
    )


class Products:
    def __init__(self, db: Database):
        self.db = db
        # Concurrent reads by id share one query (db/coalesce.py), one per
        # database they are read from.
        self._rows: dict[int, Coalescer] = {}

    async def by_ids(self, db: Reader, ids: list[int]) -> list[Row]:
        """Products by id, deleted ones included."""
        return list(await db.fetch(PRODUCTS.get_products, ids))

    def coalesced(self, db: Database, encode: Any) -> Coalescer:
        """Reads by id from `db`, shared by concurrent callers, each row
        turned into `encode(row)` once however many asked for it."""
        rows = self._rows.get(id(db))
        if rows is None:

            async def fetch(ids: list[Any]) -> dict[Hashable, Any]:
                return {r["id"]: encode(r) for r in await db.fetch(PRODUCTS.get_products, ids)}

            rows = self._rows[id(db)] = Coalescer(fetch)
        return rows

    async def page(self, db: Reader, query: ProductListQuery) -> list[Row]:
        """(id, sort_key) rows of one keyset page, one more than its size."""
        sort_key, last_id = query.after if query.after is not None else (None, None)
        return list(
            await db.fetch(
                _LIST_QUERY[query.order],
                *_filter_args(query.filter),
                sort_key,
                last_id,
                query.size + 1,
            )
        )

    async def create(self, p: ProductFields) -> int:
        with _conflicts():
            async with self.db.transaction() as tx:
                product_id: int = await tx.fetchval(
                    PRODUCTS.create_product,
                    *_field_args(p),
                    p.currency_code,
                    p.external_id or None,
                    p.source_store_id or None,
                )
        return product_id

    async def update(self, change: ProductChange) -> ProductState | None:
        """None when updated; else the product's state."""
        p = change.fields
        with _conflicts():
            async with self.db.transaction() as tx:
                updated = await tx.fetchval(
                    PRODUCTS.update_product,
                    change.id,
                    change.paths,
                    change.version,
                    *_field_args(p),
                    p.external_id or None,
                    p.source_store_id or None,
                )
                return None if updated is not None else await self._state(tx, change.id)

    async def delete(self, product_id: int, version: int | None) -> ProductState | None:
        """None when deleted; else the product's state."""
        async with self.db.transaction() as tx:
            if await tx.fetchval(PRODUCTS.delete_product, product_id, version) is not None:
                return None
            return await self._state(tx, product_id)

    async def undelete(self, product_id: int) -> ProductState | None:
        """None when restored; else the product's state."""
        async with self.db.transaction() as tx:
            if await tx.fetchval(PRODUCTS.undelete_product, product_id) is not None:
                return None
            return await self._state(tx, product_id)

    @staticmethod
    async def _state(tx: Any, product_id: int) -> ProductState:
        """Why a conditional write matched nothing: the product's state."""
        state = await tx.fetchrow(PRODUCTS.product_state, product_id)
        if state is None:
            return ProductState(version=0, deleted=True, exists=False)
        return ProductState(version=state["version"], deleted=state["deleted"])

    async def exists(self, conn: Reader, product_id: int) -> bool:
        """Whether a live product exists (`conn`: a transaction to read in)."""
        return bool(await conn.fetchval(OFFERS.product_exists, product_id))

    async def category_paths(self, ids: list[int]) -> dict[int, list[int]]:
        """The category path of each live product among `ids`."""
        rows = await self.db.fetch(PRODUCTS.live_products_with_categories, ids)
        return {r["id"]: list(r["path"]) for r in rows}


class Categories:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, c: NewCategory) -> Row:
        with _conflicts():
            async with self.db.transaction() as tx:
                row: Row = await tx.fetchrow(
                    CATEGORIES.create_category, c.parent_id, c.slug, c.name
                )
        return row

    async def get(self, category_id: int) -> Row | None:
        return await self.db.fetchrow(CATEGORIES.get_category, category_id)

    async def tree(self) -> list[Row]:
        """Every category, parents before children, each level by name."""
        return list(await self.db.fetch(CATEGORIES.list_categories, None))


class Stores:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, s: NewStore) -> Row:
        with _conflicts():
            async with self.db.transaction() as tx:
                row: Row = await tx.fetchrow(
                    STORES.create_store, s.slug, s.name, s.country_code, s.currency_code, s.url
                )
        return row

    async def get(self, store_id: int) -> Row | None:
        return await self.db.fetchrow(STORES.get_store, store_id)

    async def page(self, after_slug: str | None, size: int) -> list[Row]:
        """Stores by slug after `after_slug`, one more than `size`."""
        return list(await self.db.fetch(STORES.list_stores, after_slug, size + 1))


class Offers:
    def __init__(self, db: Database):
        self.db = db

    async def page(self, db: Reader, query: OfferListQuery) -> list[Row]:
        """A product's offers in comparison order, one more than the page size."""
        in_stock, price, last_id = query.after if query.after is not None else (None, None, None)
        return list(
            await db.fetch(
                OFFERS.list_offers,
                query.product_id,
                query.in_stock_only,
                in_stock,
                price,
                last_id,
                query.size + 1,
            )
        )

    async def currencies(
        self, product_ids: list[int], store_ids: list[int]
    ) -> tuple[dict[int, str], dict[int, str]]:
        """The currency of each live product and each store among the ids."""
        products = await self.db.fetch(OFFERS.products_currency, product_ids)
        stores = await self.db.fetch(OFFERS.stores_currency, store_ids)
        return (
            {r["id"]: r["currency_code"] for r in products},
            {r["id"]: r["currency_code"] for r in stores},
        )

    async def upsert(self, items: list[OfferInput]) -> tuple[list[Row], list[int]]:
        """Write the offers, their price history, and their products' best
        offers in one transaction; the offer rows, and the products changed."""
        # A stable lock order keeps concurrent batches from deadlocking.
        ordered = sorted(items, key=lambda o: (o.store_id, o.external_id))
        async with self.db.transaction() as tx:
            before = {
                (r["store_id"], r["external_id"]): r
                for r in await tx.fetch(
                    OFFERS.lock_offers,
                    [o.store_id for o in ordered],
                    [o.external_id for o in ordered],
                )
            }
            rows = await tx.fetch(
                OFFERS.upsert_offers,
                [o.product_id for o in ordered],
                [o.store_id for o in ordered],
                [o.external_id for o in ordered],
                [o.url for o in ordered],
                [o.currency_code for o in ordered],
                [o.price_minor for o in ordered],
                [o.original_price_minor for o in ordered],
                [o.in_stock for o in ordered],
                [o.observed_at for o in ordered],
            )
            await _record_history(tx, rows, before)
            # Every product an offer joined or left: its best offer is pricing's.
            changed = await pricing.offers_changed(tx, _best_price_since(rows, before))
        return list(rows), changed


class Favorites:
    """Users' favorites, durable (the Redis sets only mirror them)."""

    def __init__(self, db: Database):
        self.db = db
        self.products = Products(db)

    async def add(self, user_id: str, product_id: int) -> datetime | None:
        """When the live product became a favorite; None: no such product."""
        async with self.db.transaction() as tx:
            if not await self.products.exists(tx, product_id):
                return None
            created: datetime = await tx.fetchval(FAVORITES.add_favorite, user_id, product_id)
        return created

    async def remove(self, user_id: str, product_id: int) -> bool:
        async with self.db.transaction() as tx:
            removed = await tx.fetchval(FAVORITES.remove_favorite, user_id, product_id)
        return removed is not None

    async def page(self, user_id: str, after: tuple[Any, Any] | None, size: int) -> list[Row]:
        """(product_id, created_at) newest first after `after`, one more than `size`."""
        after_time, after_id = after if after is not None else (None, None)
        return list(
            await self.db.fetch(FAVORITES.list_favorites, user_id, after_time, after_id, size + 1)
        )

    async def among(self, user_id: str, ids: list[int]) -> set[int]:
        rows = await self.db.fetch(FAVORITES.favorites_among, user_id, ids)
        return {r["product_id"] for r in rows}

    async def all_ids(self, user_id: str) -> list[int]:
        return [r["product_id"] for r in await self.db.fetch(FAVORITES.all_favorite_ids, user_id)]


async def _record_history(tx: Any, rows: list[Row], before: dict[Any, Row]) -> None:
    """A change point where price or stock changed; else extend last seen."""
    new_points = []
    touched = []
    for r in rows:
        old = before.get((r["store_id"], r["external_id"]))
        if old is None or r["price_since"] != old["price_since"]:
            new_points.append(r)
        elif r["observed_at"] > old["observed_at"]:
            touched.append(r)
    if new_points:
        await tx.execute(
            OFFERS.insert_price_points,
            [r["id"] for r in new_points],
            [r["product_id"] for r in new_points],
            [r["price_since"] for r in new_points],
            [r["currency_code"] for r in new_points],
            [r["price_minor"] for r in new_points],
            [r["original_price_minor"] for r in new_points],
            [r["in_stock"] for r in new_points],
        )
    if touched:
        await tx.execute(
            OFFERS.touch_price_points,
            [r["id"] for r in touched],
            [r["price_since"] for r in touched],
            [r["observed_at"] for r in touched],
        )


_BEGINNING = datetime.min.replace(tzinfo=UTC)


def _best_price_since(rows: list[Row], before: dict[Any, Row]) -> dict[int, datetime]:
    """Per product, the instant its best-price history may change from: the
    earliest observation of its upserted offers; the beginning when an offer
    moved between products (its whole history moved with it)."""
    since: dict[int, datetime] = {}
    for r in rows:
        old = before.get((r["store_id"], r["external_id"]))
        if old is not None and old["product_id"] != r["product_id"]:
            since[old["product_id"]] = since[r["product_id"]] = _BEGINNING
        at = min(r["observed_at"], r["price_since"])
        since[r["product_id"]] = min(since.get(r["product_id"], at), at)
    return dict(sorted(since.items()))
