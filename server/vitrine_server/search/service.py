"""Which backend answers: MeiliSearch when configured and answering in
time, else the embedded index (Tantivy), and the caller is told
(`degraded`). After a failure MeiliSearch is left alone for a short while,
so an outage costs one timeout, not one per search."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from vitrine_server.rpc import deadline
from vitrine_server.search.model import SearchQuery, SearchResult, Suggestion, SuggestQuery
from vitrine_server.search.settings import SettingsStore

log = logging.getLogger("vitrine.search")

T = TypeVar("T")
R = TypeVar("R")


class Backend(Protocol):
    name: str

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def suggest(self, query: SuggestQuery) -> tuple[Suggestion, ...]: ...


@dataclass(frozen=True, slots=True)
class Answer(Generic[R]):
    result: R
    backend: str
    degraded: bool


class SearchService:
    def __init__(
        self,
        embedded: Backend,
        settings: SettingsStore,
        external: Backend | None = None,
        *,
        timeout: float = 0.5,
        retry_after: float = 5.0,
    ):
        self.embedded = embedded
        self.settings = settings
        self.external = external
        self._timeout = timeout
        self._retry_after = retry_after
        self._skip_until = 0.0

    async def search(self, query: SearchQuery) -> Answer[SearchResult]:
        return await self._answer(lambda b: b.search(query), lambda: self.embedded.search(query))

    async def suggest(self, query: SuggestQuery) -> Answer[tuple[Suggestion, ...]]:
        return await self._answer(lambda b: b.suggest(query), lambda: self.embedded.suggest(query))

    async def _answer(
        self,
        external_call: Callable[[Backend], Awaitable[T]],
        embedded_call: Callable[[], Awaitable[T]],
    ) -> Answer[T]:
        external = self.external
        if external is None:
            return Answer(await embedded_call(), self.embedded.name, False)
        if time.monotonic() >= self._skip_until:
            # Leave the embedded backend at least half of what the caller gave.
            budget = min(self._timeout, deadline.timeout(self._timeout * 2) / 2)
            try:
                result = await asyncio.wait_for(external_call(external), budget)
                return Answer(result, external.name, False)
            except Exception as err:  # any failure of an optional backend degrades
                self._skip_until = time.monotonic() + self._retry_after
                log.warning(
                    "%s failed (%s); the embedded backend answers for %.0f s",
                    external.name,
                    type(err).__name__,
                    self._retry_after,
                )
        return Answer(await embedded_call(), self.embedded.name, True)
