"""The api_keys table: the only place it is queried (keys.sql)."""

from __future__ import annotations

from typing import Any

from vitrine_server.access.model import NewApiKey
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

Q = load_queries(__package__, "keys.sql")

# A row as asyncpg returns it (asyncpg.Record; untyped to mypy).
Row = Any


class ApiKeys:
    def __init__(self, db: Database):
        self.db = db

    async def find(self, key_id: str) -> Row | None:
        return await self.db.fetchrow(Q.find_key, key_id)

    async def create(self, key_id: str, digest: bytes, key: NewApiKey, created_by: str) -> Row:
        return await self.db.fetchrow(
            Q.create_key,
            key_id,
            key.name,
            digest,
            key.scopes,
            key.requests_per_minute,
            key.burst,
            created_by,
            key.expires_at,
        )

    async def page(self, after_id: str | None, show_revoked: bool, size: int) -> list[Row]:
        """Keys by id after `after_id`, one more than `size`."""
        return list(await self.db.fetch(Q.list_keys, after_id, show_revoked, size + 1))

    async def revoke(self, key_id: str) -> Row | None:
        return await self.db.fetchrow(Q.revoke_key, key_id)
