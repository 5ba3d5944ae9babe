"""Page sizes and signed keyset page tokens (AIP-158).

A token is `<body>.<mac>`. The body (base64url JSON) carries the sort key
and id of the last row served, and a fingerprint of the request's other
fields, so a token may only be replayed with the same filter and order. The
MAC is HMAC-SHA256, truncated to 128 bits, over the request type and the
body, under the deployment's page-token secret (rpc/paging_secret.py).

A token is accepted only when its MAC verifies, its fingerprint matches
the request, and its cursor holds exactly the kinds of value the list's
order needs (`Kind`), each in range. Anything else is INVALID_ARGUMENT:
the MAC makes forging a token pointless, and the kind checks keep even a
genuine token (one issued by an older build under the same secret) from
reaching SQL with a value PostgreSQL cannot bind.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from google.protobuf.message import Message

from vitrine_server.errors import FieldViolation, InvalidArgument
from vitrine_server.validation import text, times

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# A token is a few dozen bytes; anything much longer was not issued here.
MAX_TOKEN_CHARS = 1024
MAC_BYTES = 16
NOT_ISSUED = "is not a token this service issued"


def page_size(
    requested: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    if requested < 0 or requested > maximum:
        raise InvalidArgument(
            [FieldViolation("page_size", f"must be between 0 and {maximum} (0 means {default})")]
        )
    return requested or default


@dataclass(frozen=True, slots=True)
class Kind:
    """One value of a cursor: how it is checked, and what it becomes."""

    name: str
    parse: Callable[[Any], Any]  # the value as the store binds it; raises ValueError


def _int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise ValueError
        return value

    return parse


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueError
    return value


def _text(value: Any) -> str:
    if type(value) is not str or text.text_problem(value, 256) is not None:
        raise ValueError
    return value


def _micros(value: Any) -> datetime:
    low, high = times.MIN_SECONDS * 1_000_000, times.MAX_SECONDS * 1_000_000
    return times.from_micros(_int(low, high)(value))


_DECIMAL = re.compile(r"^\d{1,6}(\.\d{1,6})?\Z")


def _decimal(value: Any) -> Decimal:
    if type(value) is not str or not _DECIMAL.match(value):
        raise ValueError
    return Decimal(value)


INT64 = Kind("int64", _int(-(2**63), 2**63 - 1))
INT32 = Kind("int32", _int(-(2**31), 2**31 - 1))
BOOL = Kind("bool", _bool)
TEXT = Kind("text", _text)
# A timestamptz as microseconds since the epoch (exact, unlike floats or text).
MICROS = Kind("micros", _micros)
DECIMAL = Kind("decimal", _decimal)


def fingerprint(request: Message) -> str:
    """A short hash of the request type and every field but the page fields."""
    copy = type(request)()
    copy.CopyFrom(request)
    for name in ("page_token", "page_size"):
        if name in copy.DESCRIPTOR.fields_by_name:
            copy.ClearField(name)
    digest = hashlib.sha256(copy.DESCRIPTOR.full_name.encode())
    digest.update(copy.SerializeToString(deterministic=True))
    return digest.hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _refused(description: str = NOT_ISSUED) -> InvalidArgument:
    return InvalidArgument([FieldViolation("page_token", description)], reason="INVALID_PAGE_TOKEN")


class PageTokens:
    """Issues and verifies page tokens under the deployment's secrets: the
    first signs, every one verifies (so a secret can be rotated without
    breaking tokens in flight). `secrets` is loaded on first use."""

    def __init__(self, secrets: Callable[[], Awaitable[Sequence[bytes]]]):
        self._load = secrets
        self._keys: tuple[bytes, ...] = ()
        self._lock = asyncio.Lock()

    @classmethod
    def fixed(cls, *secrets: bytes) -> PageTokens:
        async def load() -> Sequence[bytes]:
            return secrets

        return cls(load)

    async def _secrets(self) -> tuple[bytes, ...]:
        if not self._keys:
            async with self._lock:
                if not self._keys:
                    keys = tuple(await self._load())
                    if not keys:
                        raise RuntimeError("no page token secret")
                    self._keys = keys
        return self._keys

    @staticmethod
    def _mac(key: bytes, request: Message, body: str) -> bytes:
        signed = f"{request.DESCRIPTOR.full_name}\n{body}".encode()
        return hmac.new(key, signed, hashlib.sha256).digest()[:MAC_BYTES]

    async def encode(self, request: Message, cursor: Sequence[Any]) -> str:
        keys = await self._secrets()
        payload = {"f": fingerprint(request), "c": list(cursor)}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(keys[0], request, body))}"

    async def decode(self, request: Message, kinds: Sequence[Kind]) -> list[Any] | None:
        """The cursor in `request.page_token` (None for the first page), each
        value checked against `kinds` and converted for the store."""
        token: str = request.page_token  # type: ignore[attr-defined]
        if not token:
            return None
        keys = await self._secrets()
        body, _, mac = token.partition(".")
        if len(token) > MAX_TOKEN_CHARS or not body or not mac:
            raise _refused()
        try:
            given = _unb64(mac)
        except (binascii.Error, ValueError):
            raise _refused() from None
        if not any(hmac.compare_digest(given, self._mac(k, request, body)) for k in keys):
            raise _refused()
        try:
            payload = json.loads(_unb64(body))
            cursor = payload["c"]
            issued_for = payload["f"]
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise _refused() from None
        if issued_for != fingerprint(request):
            raise _refused("was issued for a request with other parameters")
        if not isinstance(cursor, list) or len(cursor) != len(kinds):
            raise _refused()
        try:
            return [kind.parse(value) for kind, value in zip(kinds, cursor, strict=True)]
        except ValueError:
            raise _refused() from None
