"""API key tokens: `vtr_<id>_<secret>`.

The id is public (it names the key in ListApiKeys, logs and rate-limit
keys); the secret is 256 random bits. Only SHA-256 of the whole token is
stored: with that much entropy a slow password hash buys nothing, and a
fast one keeps verification cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "vtr_"
ID_BYTES = 8
# Ids are 16 hex digits today; the bootstrap key's id and older ids may be longer.
MAX_ID_CHARS = 32


def new_token() -> tuple[str, str]:
    """A fresh (key id, token)."""
    key_id = secrets.token_hex(ID_BYTES)
    return key_id, f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(token: str) -> str | None:
    """The id inside a well-formed token, else None."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if not sep or not secret or not key_id or len(key_id) > MAX_ID_CHARS:
        return None
    return key_id


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def same_digest(a: bytes, b: bytes) -> bool:
    """Constant-time comparison: how long it takes says nothing about the stored hash."""
    return hmac.compare_digest(a, b)
