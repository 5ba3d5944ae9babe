"""The embedded backend: PostgreSQL full-text search over product_search
(migrations/0009_search.up.sql), with typo correction against the
search_words dictionary, synonyms and stop words from the settings, and
facets computed in the same statement as the hits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.search.model import (
    Facet,
    FacetCount,
    FacetField,
    Hit,
    SearchQuery,
    SearchResult,
    Suggestion,
    SuggestQuery,
    price_range_label,
)
from vitrine_server.search.query import Candidate, Group, Lookup, QueryPlan, plan
from vitrine_server.search.settings import SettingsStore
from vitrine_server.search.text import words

_Q = load_queries(__package__, "postgres.sql")
_REINDEX_Q = load_queries(__package__, "reindex.sql")

REINDEX_BATCH = 2000


class PostgresSearch:
    name = "postgres"

    def __init__(self, db: Database, settings: SettingsStore):
        self._db = db
        self._settings = settings

    async def plan(self, text: str, *, prefix_last: bool = True) -> QueryPlan:
        """Correct, drop stop words, expand synonyms: one dictionary round trip."""
        typed = words(text)
        settings = await self._settings.current()
        lookups: dict[str, Lookup] = {}
        if typed:
            rows = await self._db.fetch(_Q.word_lookup, sorted(set(typed)))
            for row in rows:
                prior = lookups.get(row["token"])
                candidates = prior.candidates if prior else ()
                if row["candidate"] is not None:
                    candidates += (Candidate(row["candidate"], row["ndoc"]),)
                lookups[row["token"]] = Lookup(row["known"], row["extends"], candidates)
        return plan(typed, lookups, settings, prefix_last=prefix_last)

    async def search(self, query: SearchQuery) -> SearchResult:
        planned = await self.plan(query.text)
        if planned.empty:
            return SearchResult((), _empty_facets(query), 0, planned.corrected_query)
        row = await self._run(query, planned.groups)
        partial = False
        # Nothing has every word: drop words from the end until something
        # matches, as MeiliSearch's "last" matching strategy does (the first
        # words of a query are the ones people mean most).
        kept = len(planned.groups)
        while row["total"] == 0 and kept > 1:
            kept -= 1
            row = await self._run(query, planned.groups[:kept])
            partial = row["total"] > 0
        return SearchResult(
            hits=tuple(_hit(h) for h in row["hits"] or ()),
            facets=_facets(query, row),
            total=row["total"],
            corrected_query=planned.corrected_query,
            partial_match=partial,
        )

    async def _run(self, query: SearchQuery, groups: tuple[Group, ...]) -> Any:
        f = query.filters
        price_edges = next((s.price_edges for s in query.facets if s.field is FacetField.PRICE), ())
        return await self._db.fetchrow(
            _Q.search_products,
            [g.as_json() for g in groups],
            True,
            list(f.category_ids),
            list(f.brands),
            list(f.store_ids),
            f.min_price_minor,
            f.max_price_minor,
            f.min_rating,
            f.in_stock_only,
            query.sort.value,
            query.page_size,
            (query.page - 1) * query.page_size,
            [s.field.value for s in query.facets],
            list(price_edges),
            query.snippet_words,
        )

    async def suggest(self, query: SuggestQuery) -> tuple[Suggestion, ...]:
        planned = await self.plan(query.text)
        if planned.empty:
            return ()
        rows = await self._db.fetch(
            _Q.suggest_products, planned.as_json(), list(query.category_ids), query.limit
        )
        return tuple(Suggestion(r["name"], r["marked"], r["id"]) for r in rows)

    async def reindex(self, progress: Callable[[int, int], Awaitable[None]]) -> int:
        """Recompute every product's document in batches (each its own short
        transaction, so searches and writes go on), then rebuild the
        dictionary. Returns the number of products reindexed."""
        total = await self._db.fetchval(_REINDEX_Q.count_products)
        done, after = 0, 0
        await progress(0, total)
        while True:
            async with self._db.transaction() as conn:
                last = await conn.fetchval(_REINDEX_Q.reindex_batch, after, REINDEX_BATCH)
            if last is None:
                break
            after = last
            done = min(done + REINDEX_BATCH, total)
            await progress(done, total)
        await self._db.fetchval(_REINDEX_Q.rebuild_dictionary)
        await progress(total, total)
        return total

    async def healthy(self) -> bool:
        return await self._db.ping()

    async def version(self) -> str:
        return str(await self._db.fetchval(_REINDEX_Q.server_version))


def _hit(h: dict[str, Any]) -> Hit:
    return Hit(
        id=h["id"],
        slug=h["slug"],
        name=h["name"],
        brand=h["brand"],
        category_id=h["category_id"],
        image_url=h["image_url"],
        rating=float(h["rating"]),
        review_count=h["review_count"],
        currency_code=h["currency_code"],
        price_minor=h["price"],
        store_id=h["store_id"],
        in_stock=h["in_stock"],
        discount_bps=h["discount_bps"],
        name_marked=h["name_marked"],
        brand_marked=h["brand_marked"],
        snippet_marked=h["snippet"],
    )


def _facets(query: SearchQuery, row: Any) -> tuple[Facet, ...]:
    out = []
    for spec in query.facets:
        if spec.field is FacetField.PRICE:
            values = _price_counts(spec.price_edges, dict(row["price_facet"] or ()))
        else:
            values = tuple(
                FacetCount(str(value), label, n)
                for value, label, n in row[f"{spec.field.value}_facet"] or ()
            )
        out.append(Facet(spec.field, values))
    return tuple(out)


def _empty_facets(query: SearchQuery) -> tuple[Facet, ...]:
    return tuple(
        Facet(s.field, _price_counts(s.price_edges, {}) if s.field is FacetField.PRICE else ())
        for s in query.facets
    )


def _price_counts(edges: tuple[int, ...], counts: dict[int, int]) -> tuple[FacetCount, ...]:
    """Every price range in order, with its count (0 when no hit fell in it)."""
    return tuple(
        FacetCount(label := price_range_label(edges, b), label, counts.get(b, 0))
        for b in range(len(edges) + 1)
    )
