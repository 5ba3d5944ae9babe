"""Page sizes and opaque keyset page tokens (AIP-158).

A token carries the sort key and id of the last row served, plus a
fingerprint of the request's other fields: a token may only be replayed
with the same filter and order. It is opaque to callers, but it is not a
secret: every value in it is bound as a query parameter, never spliced into SQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from google.protobuf.message import Message

from vitrine_server.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(
    requested: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    if requested < 0 or requested > maximum:
        raise InvalidArgument(
            [FieldViolation("page_size", f"must be between 0 and {maximum} (0 means {default})")]
        )
    return requested or default


def fingerprint(request: Message) -> str:
    """A short hash of every field but the page fields."""
    copy = type(request)()
    copy.CopyFrom(request)
    for name in ("page_token", "page_size"):
        if name in copy.DESCRIPTOR.fields_by_name:
            copy.ClearField(name)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()[:16]


def encode(request: Message, cursor: list[Any]) -> str:
    body = json.dumps({"f": fingerprint(request), "c": cursor}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(request: Message, token: str) -> list[Any] | None:
    """The cursor in `request.page_token`, None for the first page."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = body["c"]
        matches = body["f"] == fingerprint(request)
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(
            [FieldViolation("page_token", "is not a token this service issued")]
        ) from None
    if not matches or not isinstance(cursor, list):
        raise InvalidArgument(
            [FieldViolation("page_token", "was issued for a request with other parameters")]
        )
    return cursor
