"""Who is calling: the API key in a call's metadata, verified without a
PostgreSQL query per call.

A verified key (or a refused token) is remembered in this process for
`ttl` seconds, keyed by the token's SHA-256. Revocations are announced on a
Redis pub/sub channel that every process listens to (the same listener as
cache invalidations: cache/invalidations.py), so a revoked key is refused
everywhere at once; when an announcement is lost, the TTL bounds how long
it may still be accepted. Concurrent first calls with the same token share
one query. The bootstrap admin key lives only in the environment and is
checked here, never stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from vitrine_server import errors
from vitrine_server.access import scopes, tokens
from vitrine_server.access.store import ApiKeys
from vitrine_server.db.database import Database
from vitrine_server.rpc import deadline

log = logging.getLogger("vitrine.access")


BOOTSTRAP_ID = "bootstrap"
# Refused tokens are remembered too (so a flood of bad tokens costs no
# queries), in a bounded table: the oldest entries go first.
MAX_ENTRIES = 50_000
HOW_TO = "send an API key as `authorization: Bearer <token>` (or `x-api-key: <token>`)"


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified API key."""

    key_id: str
    scopes: int
    # 0: the server's defaults.
    requests_per_minute: int = 0
    burst: int = 0
    # Seconds since the epoch; None: never expires.
    expires_at: float | None = None


def _refusal(reason: str) -> errors.Unauthenticated:
    messages = {
        "API_KEY_MISSING": f"no API key: {HOW_TO}",
        "API_KEY_INVALID": "the API key is not valid",
        "API_KEY_REVOKED": "the API key was revoked",
        "API_KEY_EXPIRED": "the API key has expired",
    }
    return errors.Unauthenticated(messages[reason], reason=reason)


class Authenticator:
    def __init__(self, db: Database, *, ttl: float, bootstrap_key: str = ""):
        self.keys = ApiKeys(db)
        self.ttl = ttl
        # token digest -> (monotonic time the entry expires, Principal or refusal reason)
        self._entries: dict[bytes, tuple[float, Principal | str]] = {}
        self._pending: dict[bytes, asyncio.Task[Principal | str]] = {}
        # Comparing digests, not tokens: timing says nothing about the key.
        self._bootstrap_digest = tokens.digest(bootstrap_key) if bootstrap_key else None
        self._bootstrap = Principal(BOOTSTRAP_ID, scopes.ADMIN)

    # -- the per-call path ------------------------------------------------

    def cached(self, token: str | None) -> tuple[bytes, Principal | None]:
        """(digest, principal) if this process knows the token; (digest, None)
        if PostgreSQL must be asked. Raises Unauthenticated for a refused one."""
        if not token:
            raise _refusal("API_KEY_MISSING")
        d = tokens.digest(token)
        if d == self._bootstrap_digest:
            return d, self._bootstrap
        entry = self._entries.get(d)
        if entry is None or entry[0] < time.monotonic():
            return d, None
        return d, self._checked(entry[1])

    async def verify(self, token: str, d: bytes) -> Principal:
        """Ask PostgreSQL (one query shared by concurrent callers)."""
        pending = self._pending.get(d)
        if pending is None:
            # Shared by every caller of this token: none's deadline applies.
            pending = deadline.detached(self._load(token, d), name="verify-key")
            self._pending[d] = pending
            pending.add_done_callback(lambda _: self._pending.pop(d, None))
        return self._checked(await deadline.shared(pending))

    @staticmethod
    def _checked(found: Principal | str) -> Principal:
        if isinstance(found, str):
            raise _refusal(found)
        if found.expires_at is not None and found.expires_at <= time.time():
            raise _refusal("API_KEY_EXPIRED")
        return found

    async def _load(self, token: str, d: bytes) -> Principal | str:
        found = await self._lookup(token, d)
        self._remember(d, found)
        return found

    async def _lookup(self, token: str, d: bytes) -> Principal | str:
        key_id = tokens.key_id_of(token)
        if key_id is None:
            return "API_KEY_INVALID"
        row = await self.keys.find(key_id)
        if row is None or not tokens.same_digest(bytes(row["token_sha256"]), d):
            return "API_KEY_INVALID"
        if row["revoked_at"] is not None:
            return "API_KEY_REVOKED"
        expires = row["expires_at"]
        return Principal(
            key_id=row["id"],
            scopes=scopes.from_names(row["scopes"]),
            requests_per_minute=row["requests_per_minute"],
            burst=row["burst"],
            expires_at=expires.timestamp() if expires is not None else None,
        )

    def _remember(self, d: bytes, found: Principal | str) -> None:
        entries = self._entries
        while len(entries) >= MAX_ENTRIES:
            del entries[next(iter(entries))]
        entries[d] = (time.monotonic() + self.ttl, found)

    # -- revocation (called by the invalidation listener) ------------------

    def discard(self, key_ids: list[str]) -> None:
        """Forget the given keys: their next call asks PostgreSQL again."""
        gone = set(key_ids)
        for d, (_, found) in list(self._entries.items()):
            if isinstance(found, Principal) and found.key_id in gone:
                self._entries.pop(d, None)

    def clear(self) -> None:
        """Forget every key (announcements may have been missed)."""
        self._entries.clear()


def token_from(metadata: Any) -> str | None:
    """The token in `authorization: Bearer <token>` or `x-api-key: <token>`."""
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, rest = value.partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                return str(rest.strip())
        elif key == "x-api-key" and value:
            return str(value.strip())
    return None
