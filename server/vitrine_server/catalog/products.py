"""Products: reads through the cache, writes with etags, keyset lists."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import product_pb2

from vitrine_server import errors
from vitrine_server.cache.aside import ABSENT, ABSENT_ENTRY, DELETED, LIVE, CacheAside
from vitrine_server.cache.keys import ABSENT_TTL_MS, PRODUCT_TTL_MS
from vitrine_server.cache.local import MAX_STALENESS_S
from vitrine_server.catalog import convert, validate
from vitrine_server.db.coalesce import Coalescer
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import ReadRouter
from vitrine_server.db.sql import load_queries
from vitrine_server.rpc import paging
from vitrine_server.validation import lists, money, refs, text, times

Q = load_queries(__package__, "products.sql")

MAX_BATCH = 1000
UPDATABLE = (
    "slug",
    "name",
    "description",
    "brand",
    "category_id",
    "attributes",
    "image_url",
    "rating",
    "review_count",
    "external_id",
    "source_store_id",
)
# The cursor of each order: its sort key (as products.sql binds it), then the id.
_CURSOR = {
    api.PRODUCT_ORDER_BEST_PRICE: (paging.INT64, paging.INT64),
    api.PRODUCT_ORDER_RATING: (paging.DECIMAL, paging.INT64),
    api.PRODUCT_ORDER_NEWEST: (paging.MICROS, paging.INT64),
    api.PRODUCT_ORDER_DISCOUNT: (paging.INT32, paging.INT64),
}
MAX_FILTER_VALUES = 50
_LIST_QUERY = {
    api.PRODUCT_ORDER_BEST_PRICE: Q.list_products_by_price,
    api.PRODUCT_ORDER_RATING: Q.list_products_by_rating,
    api.PRODUCT_ORDER_NEWEST: Q.list_products_by_newest,
    api.PRODUCT_ORDER_DISCOUNT: Q.list_products_by_discount,
}


def _ttl(entry: bytes) -> int:
    return ABSENT_TTL_MS if entry[0] == ABSENT else PRODUCT_TTL_MS


def _visible(entry: bytes, show_deleted: bool) -> bool:
    return entry[0] == LIVE or (show_deleted and entry[0] == DELETED)


def _embed(field_number: int, payload: bytes | memoryview) -> bytes:
    """A length-delimited protobuf field: a message embedded without re-parsing it."""
    n = len(payload)
    out = bytearray([field_number << 3 | 2])
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out) + payload


class ProductService:
    def __init__(
        self,
        db: Database,
        cache: CacheAside,
        tokens: paging.PageTokens,
        reads: ReadRouter | None = None,
    ):
        self.db = db
        self.cache = cache
        self.tokens = tokens
        self.keys = cache.keys
        # Reads that may lag (lists; loads while the cache is bypassed) go to
        # replicas through it, when configured (db/replicas.py).
        self.reads = reads
        # Concurrent reads by id share one query (db/coalesce.py), one per
        # database they are read from.
        self._rows: dict[int, Coalescer] = {}

    def _coalescer(self, db: Database) -> Coalescer:
        rows = self._rows.get(id(db))
        if rows is None:

            async def fetch_entries(ids: list[Any]) -> dict[Hashable, bytes]:
                """Cache entries of the products among `ids` (converted once
                per row, however many callers asked for it)."""
                return {
                    r["id"]: convert.product_entry(r) for r in await db.fetch(Q.get_products, ids)
                }

            rows = self._rows[id(db)] = Coalescer(fetch_entries)
        return rows

    # -- reads ----------------------------------------------------------

    async def entries(self, ids: list[int], max_age: float = 0.0) -> list[bytes]:
        """Cache entries for `ids` (b"V"/b"D" + Product bytes, or b"N");
        `max_age` > 0 accepts entries that old from the in-process tier."""

        async def load(indices: list[int]) -> list[bytes]:
            wanted = [ids[i] for i in indices]
            db = await self.reads.pick() if self.reads is not None else self.db
            found = await self._coalescer(db).load(wanted)
            return [found.get(pid, ABSENT_ENTRY) for pid in wanted]

        return await self.cache.fetch(
            [self.keys.product(i) for i in ids], load, _ttl, max_age=max_age
        )

    async def get_response(self, request: api.GetProductRequest) -> bytes:
        """A serialized GetProductResponse, built from the cached bytes unparsed."""
        max_age = _max_age(request)
        if request.id <= 0:
            raise errors.InvalidArgument([errors.FieldViolation("id", "must be a positive id")])
        # The opt-in in-process hit is the hottest path there is: keep it short.
        entry = self.cache.local.get(self.keys.product(request.id), max_age) if max_age else None
        if entry is None:
            (entry,) = await self.entries([request.id], max_age)
        if not _visible(entry, request.show_deleted):
            raise errors.NotFound("product", str(request.id))
        return _embed(1, memoryview(entry)[1:])

    async def batch_get_response(self, request: api.BatchGetProductsRequest) -> bytes:
        max_age = _max_age(request)
        v = errors.Violations()
        refs.id_list(v, "ids", request.ids, MAX_BATCH)
        v.raise_if_any()
        ids = list(request.ids)
        parts: list[bytes] = []
        missing = api.BatchGetProductsResponse()
        for pid, entry in zip(ids, await self.entries(ids, max_age), strict=True):
            if _visible(entry, request.show_deleted):
                parts.append(_embed(1, memoryview(entry)[1:]))
            else:
                missing.not_found_ids.append(pid)
        return b"".join(parts) + missing.SerializeToString()

    async def get(self, product_id: int, *, show_deleted: bool = False) -> product_pb2.Product:
        (entry,) = await self.entries([product_id])
        if not _visible(entry, show_deleted):
            raise errors.NotFound("product", str(product_id))
        return product_pb2.Product.FromString(entry[1:])

    async def get_many(self, ids: list[int]) -> dict[int, product_pb2.Product]:
        """Live products among `ids` (missing and deleted ones left out)."""
        if not ids:
            return {}
        out = {}
        for pid, entry in zip(ids, await self.entries(ids), strict=True):
            if entry[0] == LIVE:
                out[pid] = product_pb2.Product.FromString(entry[1:])
        return out

    async def list_products(self, request: api.ListProductsRequest) -> api.ListProductsResponse:
        size = paging.page_size(request.page_size)
        f = request.filter
        v = errors.Violations()
        refs.optional_id(v, "filter.category_id", f.category_id, "any category")
        if lists.within(v, "filter.brands", f.brands, MAX_FILTER_VALUES, noun="brands"):
            for i, brand in enumerate(f.brands):
                text.text(v, f"filter.brands[{i}]", brand, 100)
        refs.id_list(v, "filter.store_ids", f.store_ids, MAX_FILTER_VALUES, required=False)
        currencies = set()
        for name in ("min_price", "max_price"):
            if f.HasField(name):
                m = getattr(f, name)
                money.currency(v, f"filter.{name}.currency_code", m.currency_code)
                money.bound(v, f"filter.{name}.amount_minor", m.amount_minor)
                currencies.add(m.currency_code)
        if len(currencies) > 1:
            v.add("filter.max_price.currency_code", "must be the same as min_price's")
        order = request.order_by or api.PRODUCT_ORDER_NEWEST
        if order not in _LIST_QUERY:
            v.add("order_by", "is not a known order")
        v.raise_if_any()

        sort_key = None
        last_id = None
        cursor = await self.tokens.decode(request, _CURSOR[order])
        if cursor is not None:
            sort_key, last_id = cursor
        rows = await (self.reads or self.db).fetch(
            _LIST_QUERY[order],
            f.category_id or None,
            [b.lower() for b in f.brands] or None,
            list(f.store_ids) or None,
            f.min_price.amount_minor if f.HasField("min_price") else None,
            f.max_price.amount_minor if f.HasField("max_price") else None,
            next(iter(currencies)) if currencies else None,
            f.in_stock_only,
            request.show_deleted,
            sort_key,
            last_id,
            size + 1,
        )
        page, more = rows[:size], len(rows) > size
        ids = [r["id"] for r in page]
        entries = await self.entries(ids)
        response = api.ListProductsResponse()
        for entry in entries:
            if _visible(entry, request.show_deleted):  # it may have changed since the query
                response.products.append(product_pb2.Product.FromString(entry[1:]))
        if more:
            last = page[-1]
            response.next_page_token = await self.tokens.encode(
                request, [_cursor_key(last["sort_key"]), last["id"]]
            )
        return response

    # -- writes ---------------------------------------------------------

    async def create(self, request: api.CreateProductRequest) -> product_pb2.Product:
        p = request.product
        v = errors.Violations()
        _check_fields(v, p, UPDATABLE, prefix="product")
        if not p.category_id:
            v.add("product.category_id", "is required")
        currency = p.currency_code or "BRL"
        money.currency(v, "product.currency_code", currency)
        v.raise_if_any()
        try:
            async with self.db.transaction() as tx:
                product_id = await tx.fetchval(
                    Q.create_product,
                    p.slug,
                    p.name,
                    p.description,
                    p.brand,
                    p.category_id,
                    dict(p.attributes),
                    p.image_url,
                    p.rating,
                    p.review_count,
                    currency,
                    p.external_id or None,
                    p.source_store_id or None,
                )
        except asyncpg.UniqueViolationError as err:
            raise _unique_error(err, p) from None
        except asyncpg.ForeignKeyViolationError as err:
            raise _reference_error(err, p) from None
        await self.cache.invalidate([self.keys.product(product_id)])
        return await self.get(product_id)

    async def update(self, request: api.UpdateProductRequest) -> product_pb2.Product:
        p = request.product
        paths = list(request.update_mask.paths)
        v = errors.Violations()
        if p.id <= 0:
            v.add("product.id", "must be a positive id")
        if paths == ["*"]:
            paths = list(UPDATABLE)
        elif not paths:
            paths = [f.name for f, _ in p.ListFields() if f.name in UPDATABLE]
        for path in paths:
            if path not in UPDATABLE:
                v.add("update_mask", f"cannot update {path!r}; updatable: {', '.join(UPDATABLE)}")
        _check_fields(v, p, paths, prefix="product")
        if "category_id" in paths and not p.category_id:
            v.add("product.category_id", "is required")
        version = _etag_version(v, "product.etag", p.etag)
        v.raise_if_any()
        if not paths:
            return await self.get(p.id)
        try:
            async with self.db.transaction() as tx:
                updated = await tx.fetchval(
                    Q.update_product,
                    p.id,
                    paths,
                    version,
                    p.slug,
                    p.name,
                    p.description,
                    p.brand,
                    p.category_id,
                    dict(p.attributes),
                    p.image_url,
                    p.rating,
                    p.review_count,
                    p.external_id or None,
                    p.source_store_id or None,
                )
                if updated is None:
                    await self._explain_miss(tx, p.id, version, live_expected=True)
        except asyncpg.UniqueViolationError as err:
            raise _unique_error(err, p) from None
        except asyncpg.ForeignKeyViolationError as err:
            raise _reference_error(err, p) from None
        await self.cache.invalidate([self.keys.product(p.id)])
        return await self.get(p.id)

    async def delete(self, request: api.DeleteProductRequest) -> product_pb2.Product:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        version = _etag_version(v, "etag", request.etag)
        v.raise_if_any()
        async with self.db.transaction() as tx:
            if await tx.fetchval(Q.delete_product, request.id, version) is None:
                await self._explain_miss(tx, request.id, version, live_expected=True)
        await self.cache.invalidate([self.keys.product(request.id)])
        return await self.get(request.id, show_deleted=True)

    async def undelete(self, request: api.UndeleteProductRequest) -> product_pb2.Product:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        v.raise_if_any()
        async with self.db.transaction() as tx:
            if await tx.fetchval(Q.undelete_product, request.id) is None:
                await self._explain_miss(tx, request.id, None, live_expected=False)
        await self.cache.invalidate([self.keys.product(request.id)])
        return await self.get(request.id)

    async def _explain_miss(
        self, tx: Any, product_id: int, version: int | None, *, live_expected: bool
    ) -> None:
        """A conditional write matched no row: say why (always raises)."""
        state = await tx.fetchrow(Q.product_state, product_id)
        if state is None:
            raise errors.NotFound("product", str(product_id))
        if live_expected and state["deleted"]:
            raise errors.NotFound("product", str(product_id))
        if not live_expected and not state["deleted"]:
            raise errors.FailedPrecondition(
                f"product {product_id} is not deleted", reason="PRODUCT_NOT_DELETED"
            )
        raise errors.Aborted(
            f"product {product_id} changed since etag {convert.etag(version or 0)} was read; "
            "read it again and retry",
            reason="ETAG_MISMATCH",
            metadata={"current_etag": convert.etag(state["version"])},
        )


def _max_age(request: api.GetProductRequest | api.BatchGetProductsRequest) -> float:
    """Seconds of staleness the caller accepts (0: none)."""
    if not request.HasField("max_staleness"):
        return 0.0
    v = errors.Violations()
    seconds = times.duration(
        v, "max_staleness", request.max_staleness, minimum=0, maximum=MAX_STALENESS_S
    )
    v.raise_if_any()
    return seconds or 0.0


def _check_fields(v: errors.Violations, p: product_pb2.Product, paths: Any, *, prefix: str) -> None:
    paths = set(paths)
    if "slug" in paths:
        validate.slug(v, f"{prefix}.slug", p.slug)
    if "name" in paths:
        text.text(v, f"{prefix}.name", p.name, 300, required=True)
    if "description" in paths:
        text.text(v, f"{prefix}.description", p.description, 10_000)
    if "brand" in paths:
        text.text(v, f"{prefix}.brand", p.brand, 100)
    if "category_id" in paths and p.category_id < 0:
        v.add(f"{prefix}.category_id", "must be a positive id")
    if "attributes" in paths:
        if lists.within(v, f"{prefix}.attributes", p.attributes, 50, noun="entries"):
            for key, value in p.attributes.items():
                if not key or len(key) > 100 or len(value) > 1000:
                    v.add(
                        f"{prefix}.attributes[{key[:40]!r}]", "keys 1-100, values 0-1000 characters"
                    )
    if "image_url" in paths:
        validate.url(v, f"{prefix}.image_url", p.image_url)
    if "rating" in paths and not (0.0 <= p.rating <= 5.0):
        v.add(f"{prefix}.rating", "must be between 0.0 and 5.0")
    if "review_count" in paths and p.review_count < 0:
        v.add(f"{prefix}.review_count", "may not be negative")
    if "external_id" in paths:
        text.text(v, f"{prefix}.external_id", p.external_id, 200)
    if "source_store_id" in paths and p.source_store_id < 0:
        v.add(f"{prefix}.source_store_id", "must be a positive id")
    if p.external_id and "external_id" in paths and not p.source_store_id:
        v.add(f"{prefix}.source_store_id", "is required with external_id")


def _etag_version(v: errors.Violations, path: str, value: str) -> int | None:
    if not value:
        return None
    version = convert.parse_etag(value)
    if version is None:
        v.add(path, "is not an etag this service issued")
    return version


def _unique_error(err: asyncpg.UniqueViolationError, p: product_pb2.Product) -> errors.VitrineError:
    if err.constraint_name == "products_slug_key":
        return errors.AlreadyExists("product", p.slug, f"a product with slug {p.slug!r} exists")
    return errors.AlreadyExists(
        "product",
        f"{p.source_store_id}/{p.external_id}",
        "a product with this source store and external id exists",
    )


def _reference_error(
    err: asyncpg.ForeignKeyViolationError, p: product_pb2.Product
) -> errors.VitrineError:
    if "category" in (err.constraint_name or ""):
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
