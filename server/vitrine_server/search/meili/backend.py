"""Searches answered by MeiliSearch through the official client.

The client is synchronous (requests), so each call runs in a worker thread;
the service bounds how long it waits (search/service.py). One multi-search
request carries the hits' query and one query per facet (each filtered by
every filter but its own, and for prices one per range), so a search is
one round trip.
"""

from __future__ import annotations

import asyncio
from typing import Any

import meilisearch

from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.search.meili import filters as meili_filters
from vitrine_server.search.meili.documents import hit
from vitrine_server.search.meili.settings import SORTS
from vitrine_server.search.model import (
    Facet,
    FacetCount,
    FacetField,
    FacetSpec,
    SearchQuery,
    SearchResult,
    Suggestion,
    SuggestQuery,
    price_range_label,
)
from vitrine_server.search.text import MARK_END, MARK_START

_Q = load_queries(__package__, "documents.sql")

# Attribute counted for each facet field (price is counted per range instead).
FACET_ATTRIBUTES = {
    FacetField.BRAND: "brand",
    FacetField.CATEGORY: "category_id",
    FacetField.STORE: "store_ids",
}


class MeiliSearch:
    name = "meilisearch"

    def __init__(self, client: meilisearch.Client, index_uid: str, db: Database):
        self.client = client
        self.index_uid = index_uid
        self._db = db

    async def search(self, query: SearchQuery) -> SearchResult:
        result = await self._search(query, strategy="all")
        if result.total == 0 and len(query.text.split()) > 1:
            # As the embedded backend: when nothing has every word, words are
            # dropped from the end ("last") and the hits say so.
            result = await self._search(query, strategy="last")
            return SearchResult(result.hits, result.facets, result.total, "", result.total > 0)
        return result

    async def _search(self, query: SearchQuery, *, strategy: str) -> SearchResult:
        queries = search_queries(self.index_uid, query, strategy)
        response = await asyncio.to_thread(self.client.multi_search, queries)
        results = response["results"]
        main = results[0]
        facets = await self._facets(query, results[1:])
        return SearchResult(
            hits=tuple(hit(h) for h in main["hits"]),
            facets=facets,
            total=int(main.get("totalHits", main.get("estimatedTotalHits", 0))),
        )

    async def _facets(self, query: SearchQuery, results: list[dict[str, Any]]) -> tuple[Facet, ...]:
        out: list[Facet] = []
        pending = iter(results)
        for spec in query.facets:
            if spec.field is FacetField.PRICE:
                counts = tuple(
                    FacetCount(
                        label := price_range_label(spec.price_edges, bucket),
                        label,
                        int(next(pending).get("totalHits", 0)),
                    )
                    for bucket in range(len(spec.price_edges) + 1)
                )
            else:
                attribute = FACET_ATTRIBUTES[spec.field]
                distribution = (next(pending).get("facetDistribution") or {}).get(attribute, {})
                ranked = sorted(distribution.items(), key=lambda kv: (-kv[1], kv[0]))[:100]
                counts = tuple(FacetCount(str(v), str(v), int(n)) for v, n in ranked)
            out.append(Facet(spec.field, counts))
        return await self._labelled(tuple(out))

    async def _labelled(self, facets: tuple[Facet, ...]) -> tuple[Facet, ...]:
        """Category and store facet values are ids; their names come from PostgreSQL."""
        wanted = {
            f.field: [int(c.value) for c in f.counts]
            for f in facets
            if f.field in (FacetField.CATEGORY, FacetField.STORE)
        }
        if not any(wanted.values()):
            return facets
        rows = await self._db.fetch(
            _Q.labels, wanted.get(FacetField.CATEGORY, []), wanted.get(FacetField.STORE, [])
        )
        names = {(r["kind"], str(r["id"])): r["name"] for r in rows}
        return tuple(
            Facet(
                f.field,
                tuple(
                    FacetCount(c.value, names.get((f.field.value, c.value), c.label), c.count)
                    for c in f.counts
                ),
            )
            if f.field in wanted
            else f
            for f in facets
        )

    async def suggest(self, query: SuggestQuery) -> tuple[Suggestion, ...]:
        params: dict[str, Any] = {
            "limit": query.limit,
            "attributesToSearchOn": ["name"],
            "attributesToRetrieve": ["id", "name"],
            "attributesToHighlight": ["name"],
            "highlightPreTag": MARK_START,
            "highlightPostTag": MARK_END,
            "sort": ["review_count:desc"],
        }
        if query.category_ids:
            params["filter"] = f"category_path IN [{', '.join(map(str, query.category_ids))}]"
        response = await asyncio.to_thread(
            self.client.index(self.index_uid).search, query.text, params
        )
        return tuple(
            Suggestion(h["name"], (h.get("_formatted") or {}).get("name", h["name"]), int(h["id"]))
            for h in response["hits"]
        )


def search_queries(index_uid: str, query: SearchQuery, strategy: str) -> list[dict[str, Any]]:
    """The multi-search body of a search: the hits' query first, then the facets'."""
    main: dict[str, Any] = {
        "indexUid": index_uid,
        "q": query.text,
        "page": query.page,
        "hitsPerPage": query.page_size,
        "matchingStrategy": strategy,
        "attributesToHighlight": ["name", "brand"],
        "attributesToCrop": ["description"],
        "cropLength": query.snippet_words,
        "highlightPreTag": MARK_START,
        "highlightPostTag": MARK_END,
        "cropMarker": "…",
    }
    everything = meili_filters.expression(query.filters)
    if everything:
        main["filter"] = everything
    if SORTS[query.sort]:
        main["sort"] = SORTS[query.sort]
    queries = [main]
    for spec in query.facets:
        queries.extend(_facet_queries(index_uid, query, spec, strategy))
    return queries


def _facet_queries(
    index_uid: str, query: SearchQuery, spec: FacetSpec, strategy: str
) -> list[dict[str, Any]]:
    base = meili_filters.expression(query.filters, without=spec.field)
    common = {
        "indexUid": index_uid,
        "q": query.text,
        "matchingStrategy": strategy,
        "page": 1,
        "hitsPerPage": 0,
    }
    if spec.field is FacetField.PRICE:
        return [
            {
                **common,
                "filter": meili_filters.both(base, meili_filters.price_range(spec.price_edges, b)),
            }
            for b in range(len(spec.price_edges) + 1)
        ]
    one = {**common, "facets": [FACET_ATTRIBUTES[spec.field]]}
    if base:
        one["filter"] = base
    return [one]
