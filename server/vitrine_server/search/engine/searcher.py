"""Searches answered by the embedded index.

Every query is built from terms, never parsed from text: the typed text is
folded into [a-z0-9] words (text.words), corrected, expanded with synonyms
and stop words (query.plan), and each word becomes Tantivy term, phrase and
prefix queries over the fields, so nothing a caller types can be syntax.

Ranking, close to MeiliSearch's rules: each word scores the weights of the
fields it matches in (name > brand > category > description), less when
only its stem (Portuguese, then English) matches, half as a prefix; words
side by side in the name score a bonus; a small BM25 of the name orders
equal matches (shorter, more specific names first); and rating, then id,
orders what is still tied.
Totals are exact counts. Facets are aggregations over the hits, each run
with every filter but its own.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import tantivy
from tantivy import FieldType, Occur, Order, Query

from vitrine_server import errors
from vitrine_server.search.engine import SearchEngine
from vitrine_server.search.engine.highlight import Highlighter
from vitrine_server.search.engine.reader import View
from vitrine_server.search.engine.schema import SCHEMA, TEXT_FIELDS, read_product
from vitrine_server.search.engine.trending import Trending
from vitrine_server.search.model import (
    CardHit,
    Facet,
    FacetCount,
    FacetField,
    FacetSpec,
    Filters,
    SearchQuery,
    SearchResult,
    Sort,
    Suggestion,
    SuggestQuery,
    price_range_label,
)
from vitrine_server.search.query import Candidate, Group, Lookup, QueryPlan, plan
from vitrine_server.search.settings import SearchSettings, SettingsStore
from vitrine_server.search.text import edit_distance, typo_budget, words

# Stems match a little less than the word itself.
STEM_WEIGHT = 0.9
# BM25 of a word in the name, scaled to stay below a field's weight: it
# only orders products that match in the same fields.
BM25_WEIGHT = 0.05
# A prefix ("gelad") matches every word starting with it, with this weight
# (a constant score, times the field's weight).
PREFIX_WEIGHT = 0.5
# The bonus of a name holding the query's words side by side.
PROXIMITY_WEIGHT = 1.0
# Facet values shown per facet.
MAX_FACET_VALUES = 100
# Documents looked at to find what a misspelled word was meant to be.
CANDIDATE_DOCS = 30
RETRY_AFTER_S = 1.0
# Corrections of misspelled words are remembered this long, this many.
CORRECTIONS_TTL_S = 60.0
MAX_CORRECTIONS = 10_000
# Hits past the page whose ties with it are ordered by rating.
TIE_WINDOW = 20
# A prefix is expanded into its words up to this many (beyond: an automaton).
MAX_PREFIX_TERMS = 16
# Highlighters of recent queries kept (each remembers the words it matched).
MAX_HIGHLIGHTERS = 1024

SORTS: dict[Sort, tuple[str, Order]] = {
    Sort.PRICE_ASC: ("price_asc", Order.Asc),
    Sort.PRICE_DESC: ("price_desc", Order.Asc),
    Sort.RATING: ("rating", Order.Desc),
    Sort.NEWEST: ("created", Order.Desc),
    Sort.DISCOUNT: ("discount_bps", Order.Desc),
}
FACET_FIELDS = {FacetField.BRAND: "brand_facet", FacetField.CATEGORY: "category_id"}
FACET_FIELDS[FacetField.STORE] = "store_ids"


@dataclass(frozen=True, slots=True)
class Built:
    """The queries of one search: each group's match, the filters by the
    facet they belong to, and the query of the page of hits."""

    matched: list[Query]
    filters: dict[FacetField | None, Query]
    hits: Query


@dataclass(frozen=True, slots=True)
class Page:
    count: int
    addresses: list[Any]


class EmbeddedSearch:
    name = "tantivy"

    def __init__(
        self, engine: SearchEngine, settings: SettingsStore, trending: Trending | None = None
    ):
        self._engine = engine
        self._settings = settings
        self._trending = trending
        self._analyzers = engine.analyzers
        self._corrected: dict[str, tuple[float, tuple[Candidate, ...]]] = {}
        self._highlighters: dict[tuple[Group, ...], Highlighter] = {}

    async def _view(self) -> View:
        engine = self._engine
        if engine.read_your_writes and engine.ready and not await engine.catch_up():
            raise errors.Unavailable(
                "the search index did not catch up with the latest writes in time",
                reason="SEARCH_INDEX_BEHIND",
                retry_after=RETRY_AFTER_S,
            )
        view = engine.reader.view if engine.reader is not None else None
        if view is None:
            raise errors.Unavailable(
                f"search is not ready: {engine.problem}",
                reason="SEARCH_INDEX_NOT_READY",
                retry_after=RETRY_AFTER_S,
            )
        return view

    # -- SearchProducts ----------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchResult:
        view = await self._view()
        settings = await self._settings.current()
        try:
            return self._search(view, query, settings)
        except ValueError as err:  # Tantivy could not read its files
            raise _index_error(err) from None

    def _search(self, view: View, query: SearchQuery, settings: SearchSettings) -> SearchResult:
        searcher = view.searcher
        planned = self._planned(view, query.text, settings)
        if planned.empty:
            return SearchResult((), _empty_facets(query), 0, planned.corrected_query)
        q = query
        key = ("page", planned.groups, planned.searched, q.filters, q.sort, q.page, q.page_size)
        found = view.memo.get(key)
        if found is None:
            found = self._page(view, planned, query)
            view.remember(key, found)
        groups, built, page, partial = found
        matched, filters = built.matched, built.filters
        hits_key = (key, q.snippet_words)
        hits = view.memo.get(hits_key)
        if hits is None:
            hits = self._hits(searcher, groups, page, q.snippet_words)
            view.remember(hits_key, hits)
        facets = self._facets(view, query, groups, matched, filters) if query.facets else ()
        return SearchResult(
            hits=hits,
            facets=facets,
            total=page.count,
            corrected_query=planned.corrected_query,
            partial_match=partial and bool(page.count),
        )

    def _hits(
        self, searcher: tantivy.Searcher, groups: tuple[Group, ...], page: Page, crop: int
    ) -> tuple[CardHit, ...]:
        """The page's cards, with the words the groups match marked."""
        highlighter = self._highlighter(groups)
        hits = []
        for address in page.addresses:
            stored = read_product(searcher.doc(address))
            hits.append(
                CardHit(
                    stored.card,
                    highlighter.mark(stored.name),
                    highlighter.mark(stored.brand),
                    highlighter.snippet(stored.description, crop),
                )
            )
        return tuple(hits)

    def _page(
        self, view: View, planned: QueryPlan, query: SearchQuery
    ) -> tuple[tuple[Group, ...], Built, Page, bool]:
        """The page of hits: the groups that matched (all, or the first ones
        when nothing has every word), their queries, the page, and whether
        words were dropped. Remembered with the searcher by the caller, as
        Solr's query result cache does: a storefront asks the same popular
        searches over and over, and their hits only change with a commit."""
        searcher = view.searcher
        groups = planned.groups
        partial = False
        while True:
            built = self._queries(view, groups, planned.searched, query)
            if query.sort is Sort.RELEVANCE:
                page = self._ranked(searcher, built.hits, query)
            else:
                page = self._sorted(searcher, built.hits, query)
            # Nothing has every word: drop words from the end until something
            # matches (the first words of a query are the ones people mean most).
            if page.count or len(groups) == 1:
                return groups, built, page, partial
            groups = groups[:-1]
            partial = True

    def _planned(self, view: View, text: str, settings: SearchSettings) -> QueryPlan:
        """plan(), remembered with the searcher for these settings: the
        dictionary lookups behind it are the same until the next commit."""
        key = ("plan", text)
        found = view.memo.get(key)
        if found is not None and found[0] is settings:
            return found[1]  # type: ignore[no-any-return]
        planned = self.plan(view.searcher, text, settings)
        view.remember(key, (settings, planned))
        return planned

    def _queries(
        self, view: View, groups: tuple[Group, ...], searched: tuple[str, ...], query: SearchQuery
    ) -> Built:
        """The Tantivy queries of these groups and filters, remembered with
        the searcher (expanding prefixes reads its dictionaries)."""
        relevance = query.sort is Sort.RELEVANCE
        key = ("queries", groups, searched, query.filters, relevance)
        found = view.memo.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        searcher = view.searcher
        filters = _filters(query.filters)
        matched = self._matches(searcher, groups)
        must = [*matched, *filters.values()]
        if relevance:
            scores = self._scores(searcher, groups, frozenset(searched))
            proximity = _proximity(groups)
            hits = _all_of(must, [*scores, *([proximity] if proximity else [])])
        else:
            # Sorted by a field, the ranking clauses would only cost: every
            # match would be read for its score, and the score unused.
            hits = _all_of(must)
        built = Built(matched, filters, hits)
        view.remember(key, built)
        return built

    def _highlighter(self, groups: tuple[Group, ...]) -> Highlighter:
        """The highlighter of these groups, kept while their query is asked
        (it remembers which words of the texts it saw match)."""
        found = self._highlighters.get(groups)
        if found is None:
            if len(self._highlighters) >= MAX_HIGHLIGHTERS:
                self._highlighters.clear()
            found = self._highlighters[groups] = Highlighter(groups, self._analyzers)
        return found

    def _sorted(self, searcher: tantivy.Searcher, q: Query, query: SearchQuery) -> Page:
        field, order = SORTS[query.sort]
        offset = (query.page - 1) * query.page_size
        found = searcher.search(
            q, query.page_size, offset=offset, order_by_field=field, order=order
        )
        return Page(_count(found), [address for _, address in found.hits])

    def _ranked(self, searcher: tantivy.Searcher, q: Query, query: SearchQuery) -> Page:
        # Equal scores are ordered by rating, then id: over the page and
        # TIE_WINDOW hits past it (a tie longer than that is cut by id).
        offset = (query.page - 1) * query.page_size
        found = searcher.search(q, offset + query.page_size + TIE_WINDOW)
        addresses = [address for _, address in found.hits]
        ratings = searcher.fast_field_values("rating", addresses)
        ids = searcher.fast_field_values("id", addresses)
        ranked = sorted(
            zip(found.hits, ratings, ids, strict=True),
            key=lambda h: (-h[0][0], -(h[1] or 0), h[2] or 0),
        )
        return Page(
            _count(found),
            [hit[1] for hit, _, _ in ranked[offset : offset + query.page_size]],
        )

    # -- planning: what the typed words mean -------------------------------------

    def plan(self, searcher: tantivy.Searcher, text: str, settings: SearchSettings) -> QueryPlan:
        typed = words(text)
        known = settings.known_words()
        last = typed[-1] if typed else ""
        lookups = {
            w: self._lookup(searcher, w, only_last=w == last and w not in typed[:-1])
            for w in set(typed)
            if w not in known
        }
        return plan(typed, lookups, settings)

    def _lookup(self, searcher: tantivy.Searcher, word: str, *, only_last: bool) -> Lookup:
        if searcher.doc_freq("vocab", word) > 0:
            return Lookup(True, True)
        extends = bool(searcher.terms_with_prefix("vocab", word, limit=1))
        if only_last and extends:
            return Lookup(False, True)  # a word being typed: a prefix, not a typo
        return Lookup(False, extends, self._corrections(searcher, word))

    def _corrections(self, searcher: tantivy.Searcher, word: str) -> tuple[Candidate, ...]:
        """_candidates, remembered for a while: misspellings repeat, and what
        a word could be meant as hardly changes from one commit to the next
        (a word new to the catalog becomes a correction within the TTL)."""
        now = time.monotonic()
        cached = self._corrected.get(word)
        if cached is not None and now - cached[0] < CORRECTIONS_TTL_S:
            return cached[1]
        found = self._candidates(searcher, word)
        if len(self._corrected) >= MAX_CORRECTIONS:
            self._corrected.clear()
        self._corrected[word] = (now, found)
        return found

    def _candidates(self, searcher: tantivy.Searcher, word: str) -> tuple[Candidate, ...]:
        """The dictionary words closest to a misspelled one: the fewest typos
        first (a Levenshtein automaton over the vocabulary finds documents
        holding some; their words are then measured here)."""
        budget = typo_budget(word)
        for distance in range(1, budget + 1):
            fuzzy = Query.fuzzy_term_query(SCHEMA, "vocab", word, distance, True)
            seen: set[str] = set()
            for _, address in searcher.search(fuzzy, CANDIDATE_DOCS, count=False).hits:
                p = read_product(searcher.doc(address))
                seen.update(words(f"{p.name} {p.brand} {p.category_names}"))
            found = [
                w
                for w in seen
                if abs(len(w) - len(word)) <= distance and edit_distance(word, w) <= distance
            ]
            if found:
                return tuple(Candidate(w, searcher.doc_freq("vocab", w)) for w in found)
        return ()

    # -- queries -----------------------------------------------------------------
    #
    # A search is Must(every group matches in `all`) + Should(every group's
    # score in the ranking fields): the hits, count and facets come from one
    # posting list per word and stem; the ranking fields are only read for
    # the documents that matched.

    def _matches(self, searcher: tantivy.Searcher, groups: tuple[Group, ...]) -> list[Query]:
        return [self._group_match(searcher, g) for g in groups]

    def _group_match(self, searcher: tantivy.Searcher, group: Group) -> Query:
        """Any alternative of a position of the query, anywhere in the
        product: one posting list per word (its stem's: a product holding
        the word holds its stem), one per phrase, one for a prefix."""
        options: list[Query] = []
        for terms in _needed(group):
            if len(terms) == 1:
                options.append(Query.term_query(SCHEMA, "all_stem", self._analyzers.stem(terms[0])))
            else:
                options.append(Query.phrase_query(SCHEMA, "all", _words(terms)))
        if group.prefix:
            # A word being typed is looked for in names, brands and categories.
            options.append(_prefix(searcher, "vocab", group.prefix))
        return _any_of(options)

    def _scores(
        self,
        searcher: tantivy.Searcher,
        groups: tuple[Group, ...],
        typed: frozenset[str],
        fields: tuple[tuple[str, float], ...] = TEXT_FIELDS,
    ) -> list[Query]:
        """What each group scores: the weight of every ranking field it
        matches in, the word as typed a little more than a word sharing its
        stem or a synonym; a prefix half the name's weight when it starts a
        word of the name; and a little BM25 of the typed word in the name,
        so among equal matches the shorter, more specific name comes first.
        Every clause is a posting list read for each hit: as few as that."""
        clauses: list[Query] = []
        name_field, name_weight = fields[0]
        for group in groups:
            for terms in _needed(group):
                if len(terms) > 1:
                    for name, weight in fields:
                        clauses.append(
                            _scored(Query.phrase_query(SCHEMA, name, _words(terms)), weight)
                        )
                    continue
                word, stem = terms[0], self._analyzers.stem(terms[0])
                as_typed = word in typed
                for name, weight in fields:
                    by_stem = Query.term_query(SCHEMA, f"{name}_stem", stem)
                    if stem == word or not as_typed:
                        clauses.append(_scored(by_stem, weight * (1 if as_typed else STEM_WEIGHT)))
                        continue
                    clauses.append(_scored(by_stem, weight * STEM_WEIGHT))
                    exact = Query.term_query(SCHEMA, name, word)
                    clauses.append(_scored(exact, weight * (1 - STEM_WEIGHT)))
                if as_typed:
                    bm25 = Query.term_query(SCHEMA, name_field, word)
                    clauses.append(Query.boost_query(bm25, BM25_WEIGHT))
            if group.prefix:
                prefix = _prefix(searcher, name_field, group.prefix)
                clauses.append(_scored(prefix, name_weight * PREFIX_WEIGHT))
        return clauses

    def _group_in(
        self, searcher: tantivy.Searcher, group: Group, fields: tuple[tuple[str, float], ...]
    ) -> Query:
        """Any alternative of a position of the query, in one of `fields`
        (completions look in names first, then in brands and categories)."""
        options: list[Query] = []
        for alternative in group.alternatives:
            terms = alternative.split()
            for name, _ in fields:
                if len(terms) > 1:
                    options.append(Query.phrase_query(SCHEMA, name, _words(terms)))
                    continue
                options.append(Query.term_query(SCHEMA, name, terms[0]))
                stem = self._analyzers.stem(terms[0])
                options.append(Query.term_query(SCHEMA, f"{name}_stem", stem))
        if group.prefix:
            for name, _ in fields:
                options.append(_prefix(searcher, name, group.prefix))
        return _any_of(options)

    # -- facets ------------------------------------------------------------------

    def _facets(
        self,
        view: View,
        query: SearchQuery,
        groups: tuple[Group, ...],
        matched: list[Query],
        filters: dict[FacetField | None, Query],
    ) -> tuple[Facet, ...]:
        """Each facet counts the hits of every filter but its own: facets whose
        field is not filtered share one aggregation over the hits. Counting
        needs no ranking: only the `all` postings and the filters are read.
        The counts are remembered with the searcher (until the next commit):
        the same words and filters are asked again and again (each page, each
        sort), and the aggregations cost more than the page of hits."""
        by_query: dict[FacetField | None, list[FacetSpec]] = {}
        for spec in query.facets:
            by_query.setdefault(spec.field if spec.field in filters else None, []).append(spec)
        key = ("facets", groups, query.filters, query.facets)
        found = view.memo.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        counted: dict[FacetField, Facet] = {}
        for own, specs in by_query.items():
            q = _all_of([*matched, *(f for k, f in filters.items() if k is not own)])
            aggs = {spec.field.value: _aggregation(spec) for spec in specs}
            answer = view.searcher.aggregate(q, aggs)
            for spec in specs:
                counted[spec.field] = _facet(view, spec, answer.get(spec.field.value) or {})
        facets = tuple(counted[s.field] for s in query.facets)
        view.remember(key, facets)
        return facets

    # -- SuggestProducts -----------------------------------------------------------

    async def suggest(self, query: SuggestQuery) -> tuple[Suggestion, ...]:
        view = await self._view()
        settings = await self._settings.current()
        trending = self._trending.query if self._trending is not None else None
        # Completions are remembered with the searcher (until the next
        # commit): every visitor types the same first letters, and what they
        # complete to only changes with the index, the settings or the
        # trending list (each checked below by identity).
        key = ("suggest", query)
        found = view.memo.get(key)
        if found is not None and found[0] is settings and found[1] is trending:
            return found[2]  # type: ignore[no-any-return]
        try:
            suggestions = self._suggest(view, query, settings, trending)
        except ValueError as err:
            raise _index_error(err) from None
        view.remember(key, (settings, trending, suggestions))
        return suggestions

    def _suggest(
        self,
        view: View,
        query: SuggestQuery,
        settings: SearchSettings,
        trending: Query | None,
    ) -> tuple[Suggestion, ...]:
        """Products whose words start with the typed words: those matching in
        the name first, then in brand or category; within each, the most
        popular first (trending now, then the most reviewed)."""
        searcher = view.searcher
        planned = self.plan(searcher, query.text, settings)
        if planned.empty:
            return ()
        scope = (
            [Query.term_set_query(SCHEMA, "category_path", list(query.category_ids))]
            if query.category_ids
            else []
        )
        groups = planned.groups
        in_name = _all_of([*(self._group_in(searcher, g, TEXT_FIELDS[:1]) for g in groups), *scope])
        anywhere = [self._group_in(searcher, g, TEXT_FIELDS) for g in groups]
        elsewhere = Query.boolean_query(
            [
                (Occur.Must, _all_of([*anywhere, *scope])),
                (Occur.MustNot, in_name),
            ]
        )
        highlighter = self._highlighter(planned.groups)
        out: list[Suggestion] = []
        for tier in (in_name, elsewhere):
            want = query.limit - len(out)
            if want <= 0:
                break
            addresses = self._popular(searcher, tier, want, trending)
            ids = searcher.fast_field_values("id", addresses) if addresses else []
            for address, id_ in zip(addresses, ids, strict=True):
                name = read_product(searcher.doc(address)).name
                out.append(Suggestion(name, highlighter.mark(name), int(id_ or 0)))
        return tuple(out)

    def _popular(
        self, searcher: tantivy.Searcher, tier: Query, want: int, trending: Query | None
    ) -> list[Any]:
        """The `want` most popular products of a tier: those trending now
        first (in trending order), then the most reviewed."""
        out: list[Any] = []
        if trending is not None:
            ranked = Query.boolean_query(
                [(Occur.Must, Query.const_score_query(tier, 0.0)), (Occur.Must, trending)]
            )
            out = [address for _, address in searcher.search(ranked, want, count=False).hits]
        if len(out) < want:
            taken = set(searcher.fast_field_values("id", out)) if out else set()
            found = searcher.search(
                tier, want + len(out), count=False, order_by_field="review_count", order=Order.Desc
            )
            more = [address for _, address in found.hits]
            for address, id_ in zip(more, searcher.fast_field_values("id", more), strict=True):
                if len(out) == want:
                    break
                if id_ not in taken:
                    out.append(address)
        return out


# -- query pieces -------------------------------------------------------------------


def _scored(q: Query, weight: float) -> Query:
    return Query.const_score_query(q, weight)


def _count(found: tantivy.SearchResult) -> int:
    return int(getattr(found, "count", 0) or 0)  # the stubs leave `count` out


def _words(terms: list[str]) -> list[str | tuple[int, str]]:
    return list(terms)


def _needed(group: Group) -> list[list[str]]:
    """The alternatives of a group as word lists, less the phrases that hold
    a one-word alternative ("smart tv" beside "tv"): every product with the
    phrase has the word, so the phrase (positions: the dearest query) adds
    nothing."""
    single = {a for a in group.alternatives if " " not in a}
    out = []
    for alternative in group.alternatives:
        terms = alternative.split()
        if len(terms) == 1 or not single.intersection(terms):
            out.append(terms)
    return out


def _prefix(searcher: tantivy.Searcher, field: str, prefix: str) -> Query:
    """Words of `field` starting with `prefix`. When few words do, a union of
    their term queries (read block by block); else an automaton over the
    field's dictionary (which marks every matching document in a bitmap)."""
    expansions = searcher.terms_with_prefix(field, prefix, limit=MAX_PREFIX_TERMS + 1)
    if len(expansions) <= MAX_PREFIX_TERMS:
        if not expansions:
            return Query.empty_query()
        return _any_of([Query.term_query(SCHEMA, field, term) for term, _ in expansions])
    return Query.fuzzy_term_query(SCHEMA, field, prefix, 0, True, True)


def _any_of(options: list[Query]) -> Query:
    if len(options) == 1:
        return options[0]
    return Query.boolean_query([(Occur.Should, q) for q in options])


def _proximity(groups: tuple[Group, ...]) -> Query | None:
    """A name holding the words in the order typed, side by side."""
    if len(groups) < 2 or any(len(g.alternatives[0].split()) != 1 for g in groups):
        return None
    terms = [g.alternatives[0] for g in groups]
    name, weight = TEXT_FIELDS[0]
    if groups[-1].prefix:
        terms[-1] = groups[-1].prefix or terms[-1]
        phrase = Query.phrase_prefix_query(SCHEMA, name, _words(terms))
    else:
        phrase = Query.phrase_query(SCHEMA, name, _words(terms))
    return Query.const_score_query(phrase, weight * PROXIMITY_WEIGHT)


def _all_of(must: list[Query], bonus: list[Query] | None = None) -> Query:
    clauses = [(Occur.Must, q) for q in must]
    clauses += [(Occur.Should, q) for q in bonus or ()]
    return Query.boolean_query(clauses)


def _filters(f: Filters) -> dict[FacetField | None, Query]:
    """The filters as queries that score nothing, keyed by the facet each
    belongs to (None: filters no facet leaves out)."""
    out: dict[FacetField | None, Query] = {}
    if f.category_ids:
        out[FacetField.CATEGORY] = Query.term_set_query(
            SCHEMA, "category_path", list(f.category_ids)
        )
    if f.brands:
        out[FacetField.BRAND] = Query.term_set_query(SCHEMA, "brand_key", list(f.brands))
    if f.store_ids:
        out[FacetField.STORE] = Query.term_set_query(SCHEMA, "store_ids", list(f.store_ids))
    if f.min_price_minor is not None or f.max_price_minor is not None:
        out[FacetField.PRICE] = Query.range_query(
            SCHEMA, "price", FieldType.Integer, f.min_price_minor, f.max_price_minor
        )
    rest: list[Query] = []
    if f.min_rating is not None:
        rest.append(
            Query.range_query(SCHEMA, "rating", FieldType.Integer, round(f.min_rating * 10), None)
        )
    if f.in_stock_only:
        rest.append(Query.term_query(SCHEMA, "in_stock", 1))
    if rest:
        out[None] = rest[0] if len(rest) == 1 else _all_of(rest)
    return {k: Query.const_score_query(q, 0.0) for k, q in out.items()}


def _aggregation(spec: FacetSpec) -> dict[str, Any]:
    if spec.field is FacetField.PRICE:
        edges = spec.price_edges
        ranges: list[dict[str, float]] = [{"to": edges[0]}]
        ranges += [{"from": a, "to": b} for a, b in itertools.pairwise(edges)]
        ranges.append({"from": edges[-1]})
        return {"range": {"field": "price", "ranges": ranges}}
    # Brands are counted case by case, then merged: ask for more than shown.
    size = MAX_FACET_VALUES * (2 if spec.field is FacetField.BRAND else 1)
    return {"terms": {"field": FACET_FIELDS[spec.field], "size": size, "segment_size": size * 10}}


def _facet(view: View, spec: FacetSpec, answer: dict[str, Any]) -> Facet:
    buckets = answer.get("buckets") or []
    if spec.field is FacetField.PRICE:
        counts = tuple(
            FacetCount(label := price_range_label(spec.price_edges, i), label, int(b["doc_count"]))
            for i, b in enumerate(buckets)
        )
        return Facet(spec.field, counts)
    if spec.field is FacetField.BRAND:
        merged: dict[str, tuple[str, int]] = {}
        for b in buckets:
            brand = str(b["key"])
            shown, n = merged.get(brand.lower(), (brand, 0))
            merged[brand.lower()] = (min(shown, brand), n + int(b["doc_count"]))
        ranked = sorted(merged.values(), key=lambda v: (-v[1], v[0]))[:MAX_FACET_VALUES]
        return Facet(spec.field, tuple(FacetCount(v, v, n) for v, n in ranked))
    kind = "category" if spec.field is FacetField.CATEGORY else "store"
    pairs = sorted(
        ((int(b["key"]), int(b["doc_count"])) for b in buckets), key=lambda p: (-p[1], p[0])
    )
    return Facet(
        spec.field,
        tuple(
            FacetCount(str(id_), view.label(kind, id_) or str(id_), n)
            for id_, n in pairs[:MAX_FACET_VALUES]
        ),
    )


def _empty_facets(query: SearchQuery) -> tuple[Facet, ...]:
    return tuple(
        Facet(
            s.field,
            tuple(
                FacetCount(label := price_range_label(s.price_edges, b), label, 0)
                for b in range(len(s.price_edges) + 1)
            )
            if s.field is FacetField.PRICE
            else (),
        )
        for s in query.facets
    )


def _index_error(err: Exception) -> errors.Unavailable:
    return errors.Unavailable(
        f"the search index could not be read: {err}",
        reason="SEARCH_INDEX_UNREADABLE",
        retry_after=RETRY_AFTER_S,
    )
