"""What AdminService needs from a search backend: its health, and a full
reindex from PostgreSQL with progress. The search service supplies the real
one (the embedded Tantivy index or MeiliSearch); without one, ReindexSearch is
FAILED_PRECONDITION and GetStatus reports search as not configured."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

# The search slice owns what its health looks like; admin only reports it.
from vitrine_server.search.model import SearchHealth

__all__ = ["SearchHealth", "SearchReindexer"]


class SearchReindexer(Protocol):
    async def reindex(self, progress: Callable[[int, int], Awaitable[None]]) -> int:
        """Rebuild the index; call `progress(processed, total)` as it goes;
        return the number of documents indexed."""
        ...

    async def health(self) -> SearchHealth: ...
