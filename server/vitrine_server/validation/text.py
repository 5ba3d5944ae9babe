"""Text: what PostgreSQL can store and what a field may hold.

The wire cannot carry invalid UTF-8 (lone surrogates, overlong forms): the
protobuf decoder refuses such a request and rpc/decoding.py answers
INVALID_ARGUMENT. What decodes can still hold U+0000, which PostgreSQL's
text refuses, or a surrogate code point in text built some other way
(JSON, a cursor): both are checked here.
"""

from __future__ import annotations

import re

from vitrine_server.errors import Violations

# The longest text any field of the API takes (a product description is
# 10,000 characters); the RPC boundary refuses anything longer everywhere.
MAX_TEXT = 65_536
NUL_RULE = "must not contain the NUL character (U+0000)"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_problem(value: str) -> str | None:
    """Why PostgreSQL could not store `value` as text, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return NUL_RULE
    return "must be valid Unicode (no lone surrogates)"


def text_problem(value: str, max_len: int, *, required: bool = False) -> str | None:
    if required and not value.strip():
        return "is required"
    if len(value) > max_len:
        return f"must be at most {max_len:,} characters"
    return storable_problem(value)


def text(v: Violations, path: str, value: str, max_len: int, *, required: bool = False) -> None:
    problem = text_problem(value, max_len, required=required)
    if problem is not None:
        v.add(path, problem)


def user_id(v: Violations, path: str, value: str) -> None:
    """A caller's own name for a user: opaque, 1-128 characters."""
    if not value or len(value) > 128:
        v.add(path, "must be 1-128 characters")
    else:
        text(v, path, value, 128)
