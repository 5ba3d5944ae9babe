"""Favorites: durable in PostgreSQL, mirrored in a Redis set per user.

The set answers CheckFavorites (membership of many products in one round
trip). It is a mirror, never the source: writes commit in PostgreSQL first,
then update the set if it exists; a missing set is rebuilt from PostgreSQL.
A per-user version counter, bumped by every write, keeps a rebuild that read
PostgreSQL before a write from installing an outdated set.
"""

from __future__ import annotations

from datetime import datetime

from vitrine_server import errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.keys import FAVORITES_TTL_S
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.cache.scripts import script
from vitrine_server.catalog.model import Favorite, FavoriteCheck, FavoriteListQuery, FavoriteRef
from vitrine_server.catalog.service import ProductService
from vitrine_server.catalog.store import Favorites
from vitrine_server.db.database import Database
from vitrine_server.validation import times

# Sentinel member: makes an empty set exist, so "no favorites" is cached too.
_PRESENT = "_"
# Users with more favorites than this are answered from PostgreSQL directly.
_MAX_MIRRORED = 5000


class FavoriteService:
    def __init__(self, db: Database, cache: CacheAside, products: ProductService):
        self.store = Favorites(db)
        self.cache = cache
        self.products = products
        self._write = cache.redis.register_script(script("favorites_write").source)
        self._check = cache.redis.register_script(script("favorites_check").source)
        self._rebuild = cache.redis.register_script(script("favorites_rebuild").source)

    def _keys(self, user_id: str) -> list[str]:
        """The set and its version counter (one hash tag: one slot)."""
        key = self.cache.keys.favorites(user_id)
        return [key, key + ":version"]

    async def add(self, ref: FavoriteRef) -> datetime:
        """Favor the product; when it was favored (the first time)."""
        created = await self.store.add(ref.user_id, ref.product_id)
        if created is None:
            raise errors.NotFound("product", str(ref.product_id))
        await self._mirror(ref.user_id, "add", ref.product_id)
        return created

    async def remove(self, ref: FavoriteRef) -> bool:
        removed = await self.store.remove(ref.user_id, ref.product_id)
        await self._mirror(ref.user_id, "rem", ref.product_id)
        return removed

    async def _mirror(self, user_id: str, op: str, product_id: int) -> None:
        keys = self._keys(user_id)
        try:
            await self._write(keys=keys, args=[op, product_id, FAVORITES_TTL_S + 3600])
        except REDIS_DOWN:
            # The set may now be wrong: owe its deletion (rebuilt on next read).
            await self.cache.invalidate(keys[:1])

    async def page(self, query: FavoriteListQuery) -> tuple[list[Favorite], list[int] | None]:
        """A page of favorites with their products, and the cursor of the
        next page (None: last)."""
        rows = await self.store.page(query.user_id, query.after, query.size)
        page = rows[: query.size]
        entries = await self.products.live_entries([r["product_id"] for r in page])
        favorites = [
            Favorite(r["product_id"], r["created_at"], entries.get(r["product_id"])) for r in page
        ]
        if len(rows) <= query.size:
            return favorites, None
        last = page[-1]
        return favorites, [times.micros(last["created_at"]), last["product_id"]]

    async def check(self, query: FavoriteCheck) -> list[int]:
        """The ids among `query.product_ids` the user favored, in their order."""
        ids = query.product_ids
        flags = await self._check_mirror(query.user_id, ids)
        if flags is None:
            favored = await self.store.among(query.user_id, ids)
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
