"""Favorites: durable in PostgreSQL, mirrored in a Redis set per user.

The set answers CheckFavorites (membership of many products in one round
trip). It is a mirror, never the source: writes commit in PostgreSQL first,
then update the set if it exists; a missing set is rebuilt from PostgreSQL.
A per-user version counter, bumped by every write, keeps a rebuild that read
PostgreSQL before a write from installing an outdated set.
"""

from __future__ import annotations

from vitrine.catalog.v1 import catalog_service_pb2 as api

from vitrine_server import errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.keys import FAVORITES_TTL_S
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.cache.scripts import script
from vitrine_server.catalog import convert
from vitrine_server.catalog.service import ProductService
from vitrine_server.catalog.store import Favorites
from vitrine_server.db.database import Database
from vitrine_server.rpc import paging
from vitrine_server.validation import refs, text, times

MAX_CHECK = 1000
# Sentinel member: makes an empty set exist, so "no favorites" is cached too.
_PRESENT = "_"
# Users with more favorites than this are answered from PostgreSQL directly.
_MAX_MIRRORED = 5000


class FavoriteService:
    def __init__(
        self,
        db: Database,
        cache: CacheAside,
        products: ProductService,
        tokens: paging.PageTokens,
    ):
        self.store = Favorites(db)
        self.cache = cache
        self.products = products
        self.tokens = tokens
        self._write = cache.redis.register_script(script("favorites_write").source)
        self._check = cache.redis.register_script(script("favorites_check").source)
        self._rebuild = cache.redis.register_script(script("favorites_rebuild").source)

    def _keys(self, user_id: str) -> list[str]:
        """The set and its version counter (one hash tag: one slot)."""
        key = self.cache.keys.favorites(user_id)
        return [key, key + ":version"]

    async def add(self, request: api.AddFavoriteRequest) -> api.Favorite:
        v = errors.Violations()
        text.user_id(v, "user_id", request.user_id)
        refs.positive_id(v, "product_id", request.product_id)
        v.raise_if_any()
        created = await self.store.add(request.user_id, request.product_id)
        if created is None:
            raise errors.NotFound("product", str(request.product_id))
        await self._mirror(request.user_id, "add", request.product_id)
        return api.Favorite(
            user_id=request.user_id,
            product_id=request.product_id,
            create_time=convert.timestamp(created),
        )

    async def remove(self, request: api.RemoveFavoriteRequest) -> bool:
        v = errors.Violations()
        text.user_id(v, "user_id", request.user_id)
        refs.positive_id(v, "product_id", request.product_id)
        v.raise_if_any()
        removed = await self.store.remove(request.user_id, request.product_id)
        await self._mirror(request.user_id, "rem", request.product_id)
        return removed

    async def _mirror(self, user_id: str, op: str, product_id: int) -> None:
        keys = self._keys(user_id)
        try:
            await self._write(keys=keys, args=[op, product_id, FAVORITES_TTL_S + 3600])
        except REDIS_DOWN:
            # The set may now be wrong: owe its deletion (rebuilt on next read).
            await self.cache.invalidate(keys[:1])

    async def list_favorites(self, request: api.ListFavoritesRequest) -> api.ListFavoritesResponse:
        v = errors.Violations()
        text.user_id(v, "user_id", request.user_id)
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, (paging.MICROS, paging.INT64))
        rows = await self.store.page(
            request.user_id, (cursor[0], cursor[1]) if cursor is not None else None, size
        )
        page = rows[:size]
        products = convert.products_from_entries(
            await self.products.live_entries([r["product_id"] for r in page])
        )
        response = api.ListFavoritesResponse()
        for r in page:
            fav = response.favorites.add(
                user_id=request.user_id,
                product_id=r["product_id"],
                create_time=convert.timestamp(r["created_at"]),
            )
            if r["product_id"] in products:
                fav.product.CopyFrom(products[r["product_id"]])
        if len(rows) > size:
            last = page[-1]
            response.next_page_token = await self.tokens.encode(
                request, [times.micros(last["created_at"]), last["product_id"]]
            )
        return response

    async def check(self, request: api.CheckFavoritesRequest) -> list[int]:
        v = errors.Violations()
        text.user_id(v, "user_id", request.user_id)
        refs.id_list(v, "product_ids", request.product_ids, MAX_CHECK)
        v.raise_if_any()
        ids = list(request.product_ids)
        flags = await self._check_mirror(request.user_id, ids)
        if flags is None:
            favored = await self.store.among(request.user_id, ids)
            return [i for i in ids if i in favored]
        return [i for i, flag in zip(ids, flags, strict=True) if flag]

    async def _check_mirror(self, user_id: str, ids: list[int]) -> list[int] | None:
        """Membership flags from the Redis set, or None to ask PostgreSQL."""
        if not (self.cache.enabled and self.cache.trusted):
            return None
        set_key, version_key = self._keys(user_id)
        # The generation's copy in the set's own shard (one slot for the script).
        gen_key = self.cache.keys.cache_generation(self.cache.keys.tag_of(set_key))
        try:
            answer = await self._check(
                keys=[gen_key, set_key, version_key], args=[self.cache.generation or 0, *ids]
            )
            if answer is None:
                return None
            found, payload = answer
            if found == 1:
                return list(payload)
            # Missing: rebuild it from PostgreSQL, unless a write races us.
            members = await self.store.all_ids(user_id)
            if len(members) <= _MAX_MIRRORED:
                await self._rebuild(
                    keys=[set_key, version_key],
                    args=[payload, FAVORITES_TTL_S, _PRESENT, *members],
                )
            favored = set(members)
            return [1 if i in favored else 0 for i in ids]
        except REDIS_DOWN:
            return None
