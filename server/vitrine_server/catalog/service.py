"""The catalog's decisions: what is read through the cache, what a write
invalidates, what a miss or a broken constraint means to the caller.

No protobuf here: requests arrive as model.py values (validate.py), and
products, categories and stores leave as cache entries, bytes whose first
byte says what they are (cache/aside.py), which convert.py turns into
messages at the edge. Queries are store.py's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from vitrine_server import errors
from vitrine_server.cache.aside import ABSENT, ABSENT_ENTRY, DELETED, LIVE, CacheAside
from vitrine_server.cache.keys import (
    ABSENT_TTL_MS,
    CATEGORY_TTL_MS,
    PRODUCT_TTL_MS,
    STORE_TTL_MS,
)
from vitrine_server.catalog import convert
from vitrine_server.catalog.model import (
    NewCategory,
    NewStore,
    OfferInput,
    OfferListQuery,
    ProductChange,
    ProductFields,
    ProductListQuery,
    ProductRead,
    ProductState,
)
from vitrine_server.catalog.store import (
    Categories,
    Conflict,
    Offers,
    Products,
    Stores,
)
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import Reader, ReadRouter
from vitrine_server.pricing.service import observation_horizon
from vitrine_server.validation import times


def visible(entry: bytes, show_deleted: bool) -> bool:
    return entry[0] == LIVE or (show_deleted and entry[0] == DELETED)


def _ttl(live_ttl_ms: int) -> Callable[[bytes], int]:
    return lambda entry: ABSENT_TTL_MS if entry[0] == ABSENT else live_ttl_ms


_PRODUCT_TTL = _ttl(PRODUCT_TTL_MS)


async def _cached(
    cache: CacheAside, key: str, load: Callable[[], Awaitable[bytes]], ttl_ms: int
) -> bytes:
    """One entry through the cache, `load`ed from PostgreSQL on a miss."""

    async def fill(_: list[int]) -> list[bytes]:
        return [await load()]

    (entry,) = await cache.fetch([key], fill, _ttl(ttl_ms))
    return entry


class ProductService:
    def __init__(self, db: Database, cache: CacheAside, reads: ReadRouter | None = None):
        self.db = db
        self.cache = cache
        self.keys = cache.keys
        self.store = Products(db)
        # Reads that may lag (lists; loads while the cache is bypassed) go to
        # replicas through it, when configured (db/replicas.py).
        self.reads = reads

    # -- reads ----------------------------------------------------------

    async def entries(self, ids: list[int], max_age: float = 0.0) -> list[bytes]:
        """Cache entries for `ids` (b"V"/b"D" + Product bytes, or b"N");
        `max_age` > 0 accepts entries that old from the in-process tier."""

        async def load(indices: list[int]) -> list[bytes]:
            wanted = [ids[i] for i in indices]
            db = await self.reads.pick() if self.reads is not None else self.db
            found = await self.store.coalesced(db, convert.product_entry).load(wanted)
            return [found.get(pid, ABSENT_ENTRY) for pid in wanted]

        return await self.cache.fetch(
            [self.keys.product(i) for i in ids], load, _PRODUCT_TTL, max_age=max_age
        )

    async def get(self, product_id: int, *, show_deleted: bool = False) -> bytes:
        (entry,) = await self.entries([product_id])
        if not visible(entry, show_deleted):
            raise errors.NotFound("product", str(product_id))
        return entry

    async def batch(self, read: ProductRead) -> tuple[list[bytes], list[int]]:
        """The visible entries among `read.ids`, in order, and the ids not found."""
        found: list[bytes] = []
        missing: list[int] = []
        for pid, entry in zip(read.ids, await self.entries(read.ids, read.max_age), strict=True):
            if visible(entry, read.show_deleted):
                found.append(entry)
            else:
                missing.append(pid)
        return found, missing

    async def live_entries(self, ids: list[int]) -> dict[int, bytes]:
        """Entries of the live products among `ids` (missing and deleted left out)."""
        if not ids:
            return {}
        return {
            pid: entry
            for pid, entry in zip(ids, await self.entries(ids), strict=True)
            if entry[0] == LIVE
        }

    async def page(self, query: ProductListQuery) -> tuple[list[bytes], list[Any] | None]:
        """One page of entries, and the cursor of the next page (None: last)."""
        rows = await self.store.page(self.reads or self.db, query)
        page, more = rows[: query.size], len(rows) > query.size
        entries = await self.entries([r["id"] for r in page])
        show_deleted = query.filter.show_deleted
        # A product may have changed since the query: filter again.
        shown = [entry for entry in entries if visible(entry, show_deleted)]
        if not more:
            return shown, None
        last = page[-1]
        return shown, [_cursor_key(last["sort_key"]), last["id"]]

    # -- writes ---------------------------------------------------------

    async def create(self, fields: ProductFields) -> bytes:
        try:
            product_id = await self.store.create(fields)
        except Conflict as err:
            raise _conflict_error(err, fields) from None
        await self.cache.invalidate([self.keys.product(product_id)])
        return await self.get(product_id)

    async def update(self, change: ProductChange) -> bytes:
        if not change.paths:
            return await self.get(change.id)
        try:
            missed = await self.store.update(change)
        except Conflict as err:
            raise _conflict_error(err, change.fields) from None
        if missed is not None:
            _explain_miss(missed, change.id, change.version, live_expected=True)
        await self.cache.invalidate([self.keys.product(change.id)])
        return await self.get(change.id)

    async def delete(self, product_id: int, version: int | None) -> bytes:
        missed = await self.store.delete(product_id, version)
        if missed is not None:
            _explain_miss(missed, product_id, version, live_expected=True)
        await self.cache.invalidate([self.keys.product(product_id)])
        return await self.get(product_id, show_deleted=True)

    async def undelete(self, product_id: int) -> bytes:
        missed = await self.store.undelete(product_id)
        if missed is not None:
            _explain_miss(missed, product_id, None, live_expected=False)
        await self.cache.invalidate([self.keys.product(product_id)])
        return await self.get(product_id)


def _explain_miss(
    state: ProductState, product_id: int, version: int | None, *, live_expected: bool
) -> None:
    """A conditional write matched no row: say why (always raises)."""
    if not state.exists or (live_expected and state.deleted):
        raise errors.NotFound("product", str(product_id))
    if not live_expected and not state.deleted:
        raise errors.FailedPrecondition(
            f"product {product_id} is not deleted", reason="PRODUCT_NOT_DELETED"
        )
    raise errors.Aborted(
        f"product {product_id} changed since etag {convert.etag(version or 0)} was read; "
        "read it again and retry",
        reason="ETAG_MISMATCH",
        metadata={"current_etag": convert.etag(state.version)},
    )


def _conflict_error(err: Conflict, p: ProductFields) -> errors.VitrineError:
    if err.unique and err.constraint == "products_slug_key":
        return errors.AlreadyExists("product", p.slug, f"a product with slug {p.slug!r} exists")
    if err.unique:
        return errors.AlreadyExists(
            "product",
            f"{p.source_store_id}/{p.external_id}",
            "a product with this source store and external id exists",
        )
    if "category" in err.constraint:
        return errors.FailedPrecondition(
            f"category {p.category_id} does not exist", reason="CATEGORY_NOT_FOUND"
        )
    return errors.FailedPrecondition(
        f"store {p.source_store_id} does not exist", reason="STORE_NOT_FOUND"
    )


def _cursor_key(value: Any) -> Any:
    """A sort key as JSON: timestamps as epoch microseconds, decimals as text."""
    if isinstance(value, datetime):
        return times.micros(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class CategoryService:
    """The category tree: small, read-mostly, cached for an hour."""

    def __init__(self, db: Database, cache: CacheAside):
        self.cache = cache
        self.store = Categories(db)

    async def create(self, c: NewCategory) -> Any:
        try:
            row = await self.store.create(c)
        except Conflict as err:
            if err.unique:
                raise errors.AlreadyExists(
                    "category", c.slug, f"a category with slug {c.slug!r} exists"
                ) from None
            raise errors.FailedPrecondition(
                f"parent category {c.parent_id} does not exist", reason="CATEGORY_NOT_FOUND"
            ) from None
        keys = self.cache.keys
        await self.cache.invalidate([keys.category(row["id"]), keys.category_tree()])
        return row

    async def get(self, category_id: int) -> bytes:
        async def load() -> bytes:
            return convert.category_entry(await self.store.get(category_id))

        entry = await _cached(
            self.cache, self.cache.keys.category(category_id), load, CATEGORY_TTL_MS
        )
        if entry[0] == ABSENT:
            raise errors.NotFound("category", str(category_id))
        return entry

    async def tree(self) -> bytes:
        """The entry of the whole tree (a ListCategoriesResponse)."""

        async def load() -> bytes:
            return convert.category_tree_entry(await self.store.tree())

        return await _cached(self.cache, self.cache.keys.category_tree(), load, CATEGORY_TTL_MS)


class StoreService:
    """Stores: small, read-mostly, cached for an hour."""

    def __init__(self, db: Database, cache: CacheAside):
        self.cache = cache
        self.store = Stores(db)

    async def create(self, s: NewStore) -> Any:
        try:
            row = await self.store.create(s)
        except Conflict:
            raise errors.AlreadyExists(
                "store", s.slug, f"a store with slug {s.slug!r} exists"
            ) from None
        await self.cache.invalidate([self.cache.keys.store(row["id"])])
        return row

    async def get(self, store_id: int) -> bytes:
        async def load() -> bytes:
            return convert.store_entry(await self.store.get(store_id))

        entry = await _cached(self.cache, self.cache.keys.store(store_id), load, STORE_TTL_MS)
        if entry[0] == ABSENT:
            raise errors.NotFound("store", str(store_id))
        return entry

    async def page(self, after_slug: str | None, size: int) -> tuple[list[Any], str | None]:
        """A page of store rows by slug, and the slug to continue after (None: last)."""
        rows = await self.store.page(after_slug, size)
        return rows[:size], rows[size - 1]["slug"] if len(rows) > size else None


class OfferService:
    """Offers: the comparison view, and batch upserts that keep each
    product's best offer (and its price history) right in the same
    transaction."""

    def __init__(self, db: Database, cache: CacheAside, reads: Reader | None = None):
        self.db = db
        self.cache = cache
        self.store = Offers(db)
        self.products = Products(db)
        # Lists may lag: replicas when configured (db/replicas.py).
        self.reads: Reader = reads or db

    async def page(self, query: OfferListQuery) -> tuple[list[Any], list[Any] | None]:
        """A page of offer rows, and the cursor of the next (None: last)."""
        rows = await self.store.page(self.reads, query)
        if (
            not rows
            and query.after is None
            and not await self.products.exists(self.reads, query.product_id)
        ):
            raise errors.NotFound("product", str(query.product_id))
        page = rows[: query.size]
        if len(rows) <= query.size:
            return page, None
        last = page[-1]
        return page, [last["in_stock"], last["price_minor"], last["id"]]

    async def observation_horizon(self, now: datetime, limit: timedelta) -> timedelta:
        """How old an observation may be: `limit`, or less where retention
        retired older months of price history (the pricing slice's rule)."""
        return await observation_horizon(self.db, now, limit)

    async def upsert(self, items: list[OfferInput]) -> list[Any]:
        """The offer rows, in the order of `items`."""
        await self._check_references(items)
        rows, changed = await self.store.upsert(items)
        await self.cache.invalidate([self.cache.keys.product(pid) for pid in changed])
        by_key = {(r["store_id"], r["external_id"]): r for r in rows}
        return [by_key[(o.store_id, o.external_id)] for o in items]

    async def _check_references(self, items: list[OfferInput]) -> None:
        """Every product live and every store there, in the offer's currency."""
        products, stores = await self.store.currencies(
            list({o.product_id for o in items}), list({o.store_id for o in items})
        )
        v = errors.Violations()
        for i, o in enumerate(items):
            _check_reference(v, f"offers[{i}]", o, products, stores)
        v.raise_if_any()


def _check_reference(
    v: errors.Violations,
    at: str,
    o: OfferInput,
    products: dict[int, str],
    stores: dict[int, str],
) -> None:
    currency = o.currency_code
    if o.product_id not in products:
        v.add(f"{at}.product_id", f"product {o.product_id} does not exist")
    elif products[o.product_id] != currency:
        v.add(
            f"{at}.price.currency_code",
            f"is {currency} but product {o.product_id} is priced in {products[o.product_id]}",
        )
    if o.store_id not in stores:
        v.add(f"{at}.store_id", f"store {o.store_id} does not exist")
    elif stores[o.store_id] != currency:
        v.add(
            f"{at}.price.currency_code",
            f"is {currency} but store {o.store_id} sells in {stores[o.store_id]}",
        )
