"""Consistency tokens: what a call's reads must see, and what its writes made.

A token is the primary's WAL position (a pg_lsn, "16/B374D848") after a
call's transactions committed. The server sends it in the
`vitrine-consistency-token` trailer of every call that committed a
transaction (when replicas are configured); a caller that sends it back in
the request metadata under the same key gets reads that see those writes
(db/replicas.py routes them). This module holds the per-call state, in
contextvars, so stores and the router need no extra arguments.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

# The metadata key of the token, in trailers (writes) and requests (reads).
TOKEN_KEY = "vitrine-consistency-token"

# The WAL position the caller's reads must see (None: a replica within max_lag will do).
_required: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "vitrine_required_lsn", default=None
)
_primary_only: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "vitrine_primary_only", default=False
)
# Told the primary's WAL position after each commit of the call (None: nobody asks).
_on_commit: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "vitrine_on_commit", default=None
)


def parse_lsn(text: str) -> int | None:
    """A pg_lsn ("16/B374D848") as an integer; None if it is not one."""
    high, sep, low = text.strip().partition("/")
    if not sep or not 0 < len(high) <= 8 or not 0 < len(low) <= 8:
        return None
    try:
        return int(high, 16) << 32 | int(low, 16)
    except ValueError:
        return None


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def require(lsn: int | None) -> None:
    """This call's reads must see the primary up to `lsn` (its token)."""
    _required.set(lsn)


def required() -> int | None:
    return _required.get()


@contextlib.contextmanager
def primary_only() -> Iterator[None]:
    """Reads within the block go to the primary (cache fills: db/replicas.py)."""
    reset = _primary_only.set(True)
    try:
        yield
    finally:
        _primary_only.reset(reset)


def is_primary_only() -> bool:
    return _primary_only.get()


def on_commit(sink: Callable[[str], None] | None) -> None:
    """Tell `sink` the primary's WAL position after each commit of this call."""
    _on_commit.set(sink)


def commit_sink() -> Callable[[str], None] | None:
    return _on_commit.get()
