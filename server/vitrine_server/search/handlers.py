"""SearchService over gRPC: requests checked into domain queries, answers
turned into protobuf with the caller's highlight tags."""

from __future__ import annotations

import time
from typing import Any

from google.protobuf.duration_pb2 import Duration
from vitrine.search.v1 import search_service_pb2 as api

from vitrine_server.errors import Violations
from vitrine_server.rpc.wire import money
from vitrine_server.search import cards, validate
from vitrine_server.search.model import CardHit, Facet, Hit, Suggestion
from vitrine_server.search.service import Answer, SearchService
from vitrine_server.search.settings import SearchSettings, SettingsStore, normalize
from vitrine_server.search.text import html_tags, render_marks

Context = Any  # grpc.aio.ServicerContext

FACET_FIELDS = {field: number for number, field in validate.FACET_FIELDS.items()}


class SearchHandlers:
    def __init__(self, search: SearchService, settings: SettingsStore):
        self.search = search
        self.settings = settings
        self._facets = FacetEntries()
        self._suggestions = SuggestEntries()

    async def SearchProducts(self, request: api.SearchProductsRequest, context: Context) -> bytes:
        """The answer serialised here: hits of the embedded index are spliced
        in from their cards (search/cards.py), the rest is one message."""
        started = time.perf_counter()
        query, (pre, post) = validate.search_request(request)
        answer = await self.search.search(query)
        result = answer.result
        escape = html_tags(pre, post)
        hits = [
            cards.hit_entry(
                h.card,
                render_marks(h.name_marked, pre, post, escape=escape),
                render_marks(h.brand_marked, pre, post, escape=escape),
                render_marks(h.snippet_marked, pre, post, escape=escape),
            )
            if isinstance(h, CardHit)
            else cards.message_entry(_hit(h, pre, post, escape))
            for h in result.hits
        ]
        rest = api.SearchProductsResponse(
            estimated_total_hits=result.total,
            corrected_query=result.corrected_query,
            backend=answer.backend,
            degraded=answer.degraded,
            partial_match=result.partial_match,
        )
        rest.processing_time.CopyFrom(_elapsed(started))
        facets = b"".join(self._facets.entry(f) for f in result.facets)
        # Fields in number order, as SerializeToString writes them: hits (1),
        # facets (2), then the rest.
        return b"".join(hits) + facets + rest.SerializeToString()

    async def SuggestProducts(self, request: api.SuggestProductsRequest, context: Context) -> bytes:
        """The answer serialised once per completion and tags (SuggestEntries):
        a completion is asked on every keystroke by every visitor."""
        query, tags = validate.suggest_request(request)
        answer = await self.search.suggest(query)
        return self._suggestions.entry(answer, tags)

    async def GetSearchSettings(
        self, request: api.GetSearchSettingsRequest, context: Context
    ) -> api.GetSearchSettingsResponse:
        return api.GetSearchSettingsResponse(settings=_settings(await self.settings.current()))

    async def UpdateSearchSettings(
        self, request: api.UpdateSearchSettingsRequest, context: Context
    ) -> api.UpdateSearchSettingsResponse:
        v = Violations()
        if not request.HasField("settings"):
            # Replacing with nothing must be asked for explicitly ("settings": {}).
            v.add("settings", "is required")
        settings = normalize(
            (g.terms for g in request.settings.synonym_groups),
            request.settings.stop_words,
            v,
            "settings",
        )
        v.raise_if_any()
        saved = await self.settings.replace(settings)
        return api.UpdateSearchSettingsResponse(settings=_settings(saved))


def _hit(h: Hit, pre: str, post: str, escape: bool) -> api.SearchHit:
    product = api.ProductSummary(
        id=h.id,
        slug=h.slug,
        name=h.name,
        brand=h.brand,
        category_id=h.category_id,
        image_url=h.image_url,
        rating=h.rating,
        review_count=h.review_count,
        best_price=money(h.price_minor, h.currency_code),
        best_store_id=h.store_id or 0,
        in_stock=h.in_stock,
        discount_bps=h.discount_bps,
    )
    return api.SearchHit(
        product=product,
        name_highlighted=render_marks(h.name_marked, pre, post, escape=escape),
        brand_highlighted=render_marks(h.brand_marked, pre, post, escape=escape),
        description_snippet=render_marks(h.snippet_marked, pre, post, escape=escape),
    )


class FacetEntries:
    """Facets serialised, remembered by identity: the engine hands out the
    same Facet objects while its counts stand (until the next commit), and
    a brand facet is a hundred values to convert."""

    MAX = 512

    def __init__(self) -> None:
        self._known: dict[int, tuple[Facet, bytes]] = {}

    def entry(self, facet: Facet) -> bytes:
        found = self._known.get(id(facet))
        if found is not None and found[0] is facet:
            return found[1]
        message = api.SearchProductsResponse(
            facets=[
                api.FacetDistribution(
                    field=FACET_FIELDS[facet.field],  # type: ignore[arg-type]
                    values=[
                        api.FacetValue(value=c.value, label=c.label, count=c.count)
                        for c in facet.counts
                    ],
                )
            ]
        )
        data = message.SerializeToString()
        if len(self._known) >= self.MAX:
            self._known.clear()
        # The facet is kept with its bytes, so its id cannot be reused meanwhile.
        self._known[id(facet)] = (facet, data)
        return data


class SuggestEntries:
    """SuggestProductsResponses serialised, remembered by the identity of the
    completions: the engine hands out the same tuple for the same prefix
    until its next commit (or settings or trending change), so a new tuple,
    not a timer, is what makes an answer here stale. Building the messages
    cost more than finding the completions once they are remembered."""

    MAX = 1024

    def __init__(self) -> None:
        self._known: dict[tuple[int, str, str, str, bool], tuple[object, bytes]] = {}

    def entry(self, answer: Answer[tuple[Suggestion, ...]], tags: tuple[str, str]) -> bytes:
        result = answer.result
        key = (id(result), *tags, answer.backend, answer.degraded)
        found = self._known.get(key)
        if found is not None and found[0] is result:
            return found[1]
        data = _suggestions(answer, *tags).SerializeToString()
        if len(self._known) >= self.MAX:
            self._known.clear()
        # The completions are kept with their bytes, so their id cannot be reused meanwhile.
        self._known[key] = (result, data)
        return data


def _suggestions(
    answer: Answer[tuple[Suggestion, ...]], pre: str, post: str
) -> api.SuggestProductsResponse:
    escape = html_tags(pre, post)
    return api.SuggestProductsResponse(
        suggestions=[
            api.Suggestion(
                text=s.text,
                highlighted=render_marks(s.marked, pre, post, escape=escape),
                product_id=s.product_id,
            )
            for s in answer.result
        ],
        backend=answer.backend,
        degraded=answer.degraded,
    )


def _settings(s: SearchSettings) -> api.SearchSettings:
    return api.SearchSettings(
        synonym_groups=[api.SynonymGroup(terms=list(g)) for g in s.synonym_groups],
        stop_words=sorted(s.stop_words),
    )


def _elapsed(started: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(int((time.perf_counter() - started) * 1e9))
    return d
