"""API keys (AdminService): the decisions. A new key's token is made here
and shown once; a revocation reaches every process (Redis pub/sub, else the
key cache's TTL). Requests arrive checked (validate.py); rows leave for
convert.py; queries are store.py's.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.asyncio as aioredis

from vitrine_server import errors
from vitrine_server.access import tokens
from vitrine_server.access.authenticator import Authenticator
from vitrine_server.access.hook import current_principal
from vitrine_server.access.model import NewApiKey
from vitrine_server.access.store import ApiKeys
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.db.database import Database

log = logging.getLogger("vitrine.access")


class ApiKeyService:
    def __init__(
        self,
        db: Database,
        redis: aioredis.Redis,
        keys: Keys,
        auth: Authenticator,
    ):
        self.store = ApiKeys(db)
        self.redis = redis
        self.channel = keys.revoked_keys()
        self.auth = auth

    async def create(self, key: NewApiKey) -> tuple[Any, str]:
        """The new key's row, and its token (shown to the caller once)."""
        caller = current_principal.get()
        key_id, token = tokens.new_token()
        row = await self.store.create(
            key_id, tokens.digest(token), key, caller.key_id if caller else ""
        )
        log.info("API key created", extra={"key_id": key_id, "scopes": key.scopes})
        return row, token

    async def page(
        self, after_id: str | None, show_revoked: bool, size: int
    ) -> tuple[list[Any], str | None]:
        """A page of keys by id, and the id to continue after (None: last)."""
        rows = await self.store.page(after_id, show_revoked, size)
        return rows[:size], rows[size - 1]["id"] if len(rows) > size else None

    async def revoke(self, key_id: str) -> Any:
        row = await self.store.revoke(key_id)
        if row is None:
            raise errors.NotFound("api_key", key_id)
        self.auth.discard([key_id])
        try:
            await self.redis.spublish(self.channel, key_id)
        except REDIS_DOWN:
            log.warning(
                "Redis unreachable: revocation of %s reaches other processes within "
                "the key cache TTL",
                key_id,
            )
        log.info("API key revoked", extra={"key_id": key_id})
        return row
