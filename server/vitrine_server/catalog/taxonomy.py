"""Categories (a tree) and stores: small, read-mostly, cached for an hour."""

from __future__ import annotations

import asyncpg
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import category_pb2, store_pb2

from vitrine_server import errors
from vitrine_server.cache.aside import ABSENT, ABSENT_ENTRY, CacheAside
from vitrine_server.cache.keys import ABSENT_TTL_MS, CATEGORY_TTL_MS, STORE_TTL_MS
from vitrine_server.catalog import convert, validate
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.rpc import paging
from vitrine_server.validation import money, refs, text

CATEGORIES = load_queries(__package__, "categories.sql")
STORES = load_queries(__package__, "stores.sql")


def _ttl(live_ttl_ms: int):  # type: ignore[no-untyped-def]
    return lambda entry: ABSENT_TTL_MS if entry[0] == ABSENT else live_ttl_ms


class CategoryService:
    def __init__(self, db: Database, cache: CacheAside):
        self.db = db
        self.cache = cache

    async def create(self, request: api.CreateCategoryRequest) -> category_pb2.Category:
        c = request.category
        v = errors.Violations()
        validate.slug(v, "category.slug", c.slug, 63)
        text.text(v, "category.name", c.name, 200, required=True)
        refs.optional_id(v, "category.parent_id", c.parent_id, "a root")
        v.raise_if_any()
        try:
            async with self.db.transaction() as tx:
                row = await tx.fetchrow(
                    CATEGORIES.create_category, c.parent_id or None, c.slug, c.name
                )
        except asyncpg.UniqueViolationError:
            raise errors.AlreadyExists(
                "category", c.slug, f"a category with slug {c.slug!r} exists"
            ) from None
        except asyncpg.ForeignKeyViolationError:
            raise errors.FailedPrecondition(
                f"parent category {c.parent_id} does not exist", reason="CATEGORY_NOT_FOUND"
            ) from None
        assert row is not None  # INSERT ... RETURNING returns the row
        keys = self.cache.keys
        await self.cache.invalidate([keys.category(row["id"]), keys.category_tree()])
        return convert.category(row)

    async def get(self, request: api.GetCategoryRequest) -> category_pb2.Category:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        v.raise_if_any()

        async def load(_: list[int]) -> list[bytes]:
            row = await self.db.fetchrow(CATEGORIES.get_category, request.id)
            return [
                ABSENT_ENTRY if row is None else b"V" + convert.category(row).SerializeToString()
            ]

        (entry,) = await self.cache.fetch(
            [self.cache.keys.category(request.id)], load, _ttl(CATEGORY_TTL_MS)
        )
        if entry[0] == ABSENT:
            raise errors.NotFound("category", str(request.id))
        return category_pb2.Category.FromString(entry[1:])

    async def tree(self, request: api.ListCategoriesRequest) -> api.ListCategoriesResponse:
        v = errors.Violations()
        refs.optional_id(v, "root_id", request.root_id, "the whole tree")
        v.raise_if_any()

        async def load(_: list[int]) -> list[bytes]:
            rows = await self.db.fetch(CATEGORIES.list_categories, None)
            return [b"V" + _build_tree(rows).SerializeToString()]

        (entry,) = await self.cache.fetch(
            [self.cache.keys.category_tree()], load, _ttl(CATEGORY_TTL_MS)
        )
        whole = api.ListCategoriesResponse.FromString(entry[1:])
        if request.root_id == 0:
            return whole
        node = _find(whole.roots, request.root_id)
        if node is None:
            raise errors.NotFound("category", str(request.root_id))
        return api.ListCategoriesResponse(roots=[node])


def _build_tree(rows: list[asyncpg.Record]) -> api.ListCategoriesResponse:
    """Rows come parents first, each level by name: attach each to its parent."""
    response = api.ListCategoriesResponse()
    nodes: dict[int, category_pb2.CategoryNode] = {}
    for row in rows:
        parent = nodes.get(row["parent_id"]) if row["parent_id"] else None
        siblings = parent.children if parent is not None else response.roots
        node = siblings.add()
        node.category.CopyFrom(convert.category(row))
        nodes[row["id"]] = node
    return response


def _find(nodes, category_id: int):  # type: ignore[no-untyped-def]
    for node in nodes:
        if node.category.id == category_id:
            return node
        found = _find(node.children, category_id)
        if found is not None:
            return found
    return None


class StoreService:
    def __init__(self, db: Database, cache: CacheAside, tokens: paging.PageTokens):
        self.db = db
        self.cache = cache
        self.tokens = tokens

    async def create(self, request: api.CreateStoreRequest) -> store_pb2.Store:
        s = request.store
        v = errors.Violations()
        validate.slug(v, "store.slug", s.slug, 63)
        text.text(v, "store.name", s.name, 200, required=True)
        validate.country(v, "store.country_code", s.country_code)
        money.currency(v, "store.currency_code", s.currency_code)
        validate.url(v, "store.url", s.url)
        v.raise_if_any()
        try:
            async with self.db.transaction() as tx:
                row = await tx.fetchrow(
                    STORES.create_store, s.slug, s.name, s.country_code, s.currency_code, s.url
                )
        except asyncpg.UniqueViolationError:
            raise errors.AlreadyExists(
                "store", s.slug, f"a store with slug {s.slug!r} exists"
            ) from None
        assert row is not None  # INSERT ... RETURNING returns the row
        await self.cache.invalidate([self.cache.keys.store(row["id"])])
        return convert.store(row)

    async def get(self, request: api.GetStoreRequest) -> store_pb2.Store:
        v = errors.Violations()
        refs.positive_id(v, "id", request.id)
        v.raise_if_any()

        async def load(_: list[int]) -> list[bytes]:
            row = await self.db.fetchrow(STORES.get_store, request.id)
            return [ABSENT_ENTRY if row is None else b"V" + convert.store(row).SerializeToString()]

        (entry,) = await self.cache.fetch(
            [self.cache.keys.store(request.id)], load, _ttl(STORE_TTL_MS)
        )
        if entry[0] == ABSENT:
            raise errors.NotFound("store", str(request.id))
        return store_pb2.Store.FromString(entry[1:])

    async def list_stores(self, request: api.ListStoresRequest) -> api.ListStoresResponse:
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, (paging.TEXT,))  # the last slug served
        after = cursor[0] if cursor is not None else None
        rows = await self.db.fetch(STORES.list_stores, after, size + 1)
        response = api.ListStoresResponse(stores=[convert.store(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = await self.tokens.encode(request, [rows[size - 1]["slug"]])
        return response
