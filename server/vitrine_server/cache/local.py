"""The in-process tier: a bounded copy of cache entries in this process's
memory, served only to callers that opt in with a staleness bound
(GetProductRequest.max_staleness).

A read through Redis costs a round trip of Python work; a hit here costs a
dictionary lookup. The price is freshness, which is why no ordinary read
ever comes here: an entry is stamped with the time its read *started*, and
is served only to a caller whose bound that age fits, so whatever the
invalidation path does, a caller never gets a value older than it allowed.

Writes drop their keys here at once in the writing process, and announce
them on a Redis pub/sub channel that every process listens to (see
InvalidationListener), so most of the time the tier is as fresh as Redis.
"""

from __future__ import annotations

import time
from collections import OrderedDict

MAX_STALENESS_S = 60.0


class LocalTier:
    def __init__(self, max_entries: int = 100_000):
        self.max_entries = max_entries
        # key -> (monotonic time its read started, entry); oldest fill first.
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.stats = {"hits": 0, "misses": 0}

    def get(self, key: str, max_age: float) -> bytes | None:
        item = self._entries.get(key)
        if item is None or time.monotonic() - item[0] > max_age:
            self.stats["misses"] += 1
            return None
        self.stats["hits"] += 1
        return item[1]

    def put(self, key: str, entry: bytes, read_started: float) -> None:
        entries = self._entries
        entries[key] = (read_started, entry)
        entries.move_to_end(key)
        while len(entries) > self.max_entries:
            entries.popitem(last=False)

    def discard(self, keys: list[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
