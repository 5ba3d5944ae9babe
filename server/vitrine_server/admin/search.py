"""What AdminService needs from a search backend: its health, and a full
reindex from PostgreSQL with progress. The search service supplies the real
one (the embedded Tantivy index or MeiliSearch); without one, ReindexSearch is
FAILED_PRECONDITION and GetStatus reports search as not configured."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SearchHealth:
    # "tantivy" or "meilisearch".
    backend: str
    reachable: bool
    # Seconds the probe took.
    latency: float
    version: str = ""
    # Why it is unreachable, or anything worth saying.
    detail: str = ""


class SearchReindexer(Protocol):
    async def reindex(self, progress: Callable[[int, int], Awaitable[None]]) -> int:
        """Rebuild the index; call `progress(processed, total)` as it goes;
        return the number of documents indexed."""
        ...

    async def health(self) -> SearchHealth: ...
