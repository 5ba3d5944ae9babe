"""Lists: bounded first, so an oversized list costs nothing to refuse."""

from __future__ import annotations

from collections.abc import Sized

from vitrine_server.errors import Violations

# The longest list any field of the API takes (RecordPriceBatch's
# observations, RecordProductEvents' events); the RPC boundary refuses
# longer ones everywhere.
MAX_ITEMS = 10_000


def within(v: Violations, path: str, items: Sized, maximum: int, *, noun: str = "items") -> bool:
    """True when `items` holds at most `maximum`; else a violation, and the
    caller leaves the items unchecked (one violation, not one per item)."""
    if len(items) > maximum:
        v.add(path, f"may hold at most {maximum:,} {noun} (has {len(items):,})")
        return False
    return True
