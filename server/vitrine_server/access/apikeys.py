"""Creating, listing and revoking API keys (AdminService)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import redis.asyncio as aioredis
from google.protobuf import timestamp_pb2
from vitrine.admin.v1 import admin_service_pb2 as api
from vitrine.admin.v1 import api_key_pb2

from vitrine_server import errors
from vitrine_server.access import scopes, tokens
from vitrine_server.access.authenticator import Authenticator, Q
from vitrine_server.access.hook import current_principal
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.db.database import Database
from vitrine_server.rpc import paging
from vitrine_server.validation import lists, text, times

log = logging.getLogger("vitrine.access")

MAX_RATE = 100_000_000
# How far ahead a key may be set to expire.
MAX_LIFETIME = dt.timedelta(days=3650)


def _ts(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def to_proto(r: Any) -> api_key_pb2.ApiKey:
    """An api_keys row (never with its hash) as the API's ApiKey."""
    return api_key_pb2.ApiKey(
        id=r["id"],
        name=r["name"],
        scopes=[scopes.ENUM_OF[scopes.BY_NAME[n]] for n in r["scopes"]],
        requests_per_minute=r["requests_per_minute"],
        burst=r["burst"],
        create_time=_ts(r["created_at"]),
        expire_time=_ts(r["expires_at"]),
        revoke_time=_ts(r["revoked_at"]),
        created_by=r["created_by"],
    )


class ApiKeyService:
    def __init__(
        self,
        db: Database,
        redis: aioredis.Redis,
        keys: Keys,
        auth: Authenticator,
        page_tokens: paging.PageTokens,
    ):
        self.db = db
        self.redis = redis
        self.channel = keys.revoked_keys()
        self.auth = auth
        self.tokens = page_tokens

    async def create(self, request: api.CreateApiKeyRequest) -> api.CreateApiKeyResponse:
        key = request.api_key
        v = errors.Violations()
        name = key.name.strip()
        if not 1 <= len(name) <= 200:
            v.add("api_key.name", "must be 1-200 characters")
        else:
            text.text(v, "api_key.name", name, 200)
        granted: set[str] = set()
        for i, scope in enumerate(key.scopes[:16]):
            bit = scopes.from_enum(scope)
            if bit is None:
                v.add(f"api_key.scopes[{i}]", "must be SCOPE_READ, WRITE, INGEST or ADMIN")
            else:
                granted.add(scopes.NAME_OF[bit])
        if not key.scopes:
            v.add("api_key.scopes", "at least one scope is required")
        lists.within(v, "api_key.scopes", key.scopes, 16, noun="scopes")
        if not 0 <= key.requests_per_minute <= MAX_RATE:
            v.add("api_key.requests_per_minute", f"must be 0 (default) to {MAX_RATE:,}")
        if not 0 <= key.burst <= MAX_RATE:
            v.add("api_key.burst", f"must be 0 (default) to {MAX_RATE:,}")
        expires = None
        if key.HasField("expire_time"):
            expires = times.future(
                v,
                "api_key.expire_time",
                key.expire_time,
                now=dt.datetime.now(dt.UTC),
                max_ahead=MAX_LIFETIME,
            )
        v.raise_if_any()
        caller = current_principal.get()
        key_id, token = tokens.new_token()
        row = await self.db.fetchrow(
            Q.create_key,
            key_id,
            name,
            tokens.digest(token),
            sorted(granted, key=lambda n: scopes.BY_NAME[n]),
            key.requests_per_minute,
            key.burst,
            caller.key_id if caller else "",
            expires,
        )
        log.info("API key created", extra={"key_id": key_id, "scopes": sorted(granted)})
        return api.CreateApiKeyResponse(api_key=to_proto(row), token=token)

    async def list_keys(self, request: api.ListApiKeysRequest) -> api.ListApiKeysResponse:
        size = paging.page_size(request.page_size, default=100, maximum=1000)
        cursor = await self.tokens.decode(request, (paging.TEXT,))  # the last key id served
        after = cursor[0] if cursor is not None else None
        rows = await self.db.fetch(Q.list_keys, after, request.show_revoked, size + 1)
        response = api.ListApiKeysResponse(api_keys=[to_proto(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = await self.tokens.encode(request, [rows[size - 1]["id"]])
        return response

    async def revoke(self, request: api.RevokeApiKeyRequest) -> api.RevokeApiKeyResponse:
        key_id = request.id.strip()
        v = errors.Violations()
        text.text(v, "id", key_id, tokens.MAX_ID_CHARS, required=True)
        v.raise_if_any()
        row = await self.db.fetchrow(Q.revoke_key, key_id)
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
        return api.RevokeApiKeyResponse(api_key=to_proto(row))
