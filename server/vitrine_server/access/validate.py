"""API-key requests checked and turned into model.py's values; every bad
field is named, all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server.access import scopes, tokens
from vitrine_server.access.model import NewApiKey
from vitrine_server.errors import Violations
from vitrine_server.validation import lists, text, times

MAX_RATE = 100_000_000
MAX_SCOPES = 16
# How far ahead a key may be set to expire.
MAX_LIFETIME = dt.timedelta(days=3650)


def new_api_key(request: api.CreateApiKeyRequest) -> NewApiKey:
    key = request.api_key
    v = Violations()
    name = key.name.strip()
    if not 1 <= len(name) <= 200:
        v.add("api_key.name", "must be 1-200 characters")
    else:
        text.text(v, "api_key.name", name, 200)
    granted = _scopes(v, key.scopes)
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
    return NewApiKey(
        name=name,
        scopes=sorted(granted, key=lambda n: scopes.BY_NAME[n]),
        requests_per_minute=key.requests_per_minute,
        burst=key.burst,
        expires_at=expires,
    )


def _scopes(v: Violations, given: Sequence[int]) -> set[str]:
    granted: set[str] = set()
    for i, scope in enumerate(given[:MAX_SCOPES]):
        bit = scopes.from_enum(scope)
        if bit is None:
            v.add(f"api_key.scopes[{i}]", "must be SCOPE_READ, WRITE, INGEST or ADMIN")
        else:
            granted.add(scopes.NAME_OF[bit])
    if not given:
        v.add("api_key.scopes", "at least one scope is required")
    lists.within(v, "api_key.scopes", given, MAX_SCOPES, noun="scopes")
    return granted


def key_id(request: api.RevokeApiKeyRequest) -> str:
    value = request.id.strip()
    v = Violations()
    text.text(v, "id", value, tokens.MAX_ID_CHARS, required=True)
    v.raise_if_any()
    return value
