"""Requests checked and turned into the domain's queries. Every problem is
reported at once as a field violation; nothing reaches a backend unchecked."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from vitrine.search.v1 import search_service_pb2 as api

from vitrine_server.errors import Violations
from vitrine_server.search.model import (
    FacetField,
    FacetSpec,
    Filters,
    SearchQuery,
    Sort,
    SuggestQuery,
)
from vitrine_server.search.text import words
from vitrine_server.validation import lists, money, refs

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 16
MAX_PREFIX_CHARS = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Deeper than this, a search is a crawl: ListProducts pages through everything.
MAX_HITS_REACHABLE = 1000
MAX_FILTER_VALUES = 100
MAX_PRICE_EDGES = 20
MAX_TAG_CHARS = 64
DEFAULT_SNIPPET_WORDS = 20
DEFAULT_SUGGESTIONS = 8
MAX_SUGGESTIONS = 20

FACET_FIELDS = {
    api.FacetRequest.FIELD_BRAND: FacetField.BRAND,
    api.FacetRequest.FIELD_CATEGORY: FacetField.CATEGORY,
    api.FacetRequest.FIELD_STORE: FacetField.STORE,
    api.FacetRequest.FIELD_PRICE: FacetField.PRICE,
}
SORTS = {
    api.SEARCH_SORT_UNSPECIFIED: Sort.RELEVANCE,
    api.SEARCH_SORT_RELEVANCE: Sort.RELEVANCE,
    api.SEARCH_SORT_PRICE_ASC: Sort.PRICE_ASC,
    api.SEARCH_SORT_PRICE_DESC: Sort.PRICE_DESC,
    api.SEARCH_SORT_RATING: Sort.RATING,
    api.SEARCH_SORT_NEWEST: Sort.NEWEST,
    api.SEARCH_SORT_DISCOUNT: Sort.DISCOUNT,
}


def _query_text(v: Violations, path: str, text: str, max_chars: int) -> None:
    if not text.strip():
        v.add(path, "is required")
    elif len(text) > max_chars:
        v.add(path, f"must be at most {max_chars} characters")
    elif len(words(text)) > MAX_QUERY_WORDS:
        v.add(path, f"must have at most {MAX_QUERY_WORDS} words")


def _ids(v: Violations, path: str, ids: Any) -> tuple[int, ...]:
    refs.id_list(v, path, ids, MAX_FILTER_VALUES, required=False)
    return tuple(dict.fromkeys(ids))


def _filters(v: Violations, f: api.SearchFilter) -> Filters:
    if lists.within(v, "filter.brands", f.brands, MAX_FILTER_VALUES, noun="brands"):
        for i, brand in enumerate(f.brands):
            if not brand.strip() or len(brand) > 100:
                v.add(f"filter.brands[{i}]", "must be 1 to 100 characters")
    for name in ("min_price_minor", "max_price_minor"):
        money.bound(v, f"filter.{name}", getattr(f, name))
    if f.min_price_minor and f.max_price_minor and f.min_price_minor > f.max_price_minor:
        v.add("filter.max_price_minor", "must not be below min_price_minor")
    if not 0 <= f.min_rating <= 5:  # NaN fails both comparisons
        v.add("filter.min_rating", "must be between 0 and 5")
    return Filters(
        category_ids=_ids(v, "filter.category_ids", f.category_ids),
        brands=tuple(dict.fromkeys(b.strip().lower() for b in f.brands)),
        store_ids=_ids(v, "filter.store_ids", f.store_ids),
        min_price_minor=f.min_price_minor or None,
        max_price_minor=f.max_price_minor or None,
        min_rating=Decimal(str(round(f.min_rating, 1))) if f.min_rating > 0 else None,
        in_stock_only=f.in_stock_only,
    )


def _facets(v: Violations, facets: Any) -> tuple[FacetSpec, ...]:
    specs: list[FacetSpec] = []
    if not lists.within(v, "facets", facets, len(FACET_FIELDS), noun="facets"):
        return ()
    for i, facet in enumerate(facets):
        path = f"facets[{i}]"
        field = FACET_FIELDS.get(facet.field)
        if field is None:
            v.add(
                f"{path}.field",
                "must be one of FIELD_BRAND, FIELD_CATEGORY, FIELD_STORE, FIELD_PRICE",
            )
            continue
        if any(s.field is field for s in specs):
            v.add(f"{path}.field", "is asked for twice")
            continue
        edges = tuple(facet.price_edges_minor)
        if field is FacetField.PRICE:
            if not 1 <= len(edges) <= MAX_PRICE_EDGES:
                v.add(f"{path}.price_edges_minor", f"must have 1 to {MAX_PRICE_EDGES} edges")
            elif any(e < 0 or e > money.MAX_MINOR for e in edges) or any(
                a >= b for a, b in itertools.pairwise(edges)
            ):
                v.add(
                    f"{path}.price_edges_minor",
                    f"must be strictly ascending amounts between 0 and {money.MAX_MINOR}",
                )
        elif edges:
            v.add(f"{path}.price_edges_minor", "is only for FIELD_PRICE")
        specs.append(FacetSpec(field, edges))
    return tuple(specs)


def _highlight(v: Violations, h: api.HighlightOptions, path: str) -> tuple[str, str, int]:
    for name in ("pre_tag", "post_tag"):
        if len(getattr(h, name)) > MAX_TAG_CHARS:
            v.add(f"{path}.{name}", f"must be at most {MAX_TAG_CHARS} characters")
    if h.crop_words and not 5 <= h.crop_words <= 100:
        v.add(f"{path}.crop_words", "must be between 5 and 100")
    return (
        h.pre_tag or "<em>",
        h.post_tag or "</em>",
        h.crop_words or DEFAULT_SNIPPET_WORDS,
    )


def search_request(request: api.SearchProductsRequest) -> tuple[SearchQuery, tuple[str, str]]:
    """The query, and the caller's (pre, post) highlight tags."""
    v = Violations()
    _query_text(v, "query", request.query, MAX_QUERY_CHARS)
    filters = _filters(v, request.filter)
    facets = _facets(v, request.facets)
    sort = SORTS.get(request.sort)
    if sort is None:
        v.add("sort", "is not a known SearchSort")
    if request.page < 0:
        v.add("page", "must not be negative")
    if not 0 <= request.page_size <= MAX_PAGE_SIZE:
        v.add("page_size", f"must be between 0 and {MAX_PAGE_SIZE} (0 means {DEFAULT_PAGE_SIZE})")
    page = request.page or 1
    page_size = request.page_size or DEFAULT_PAGE_SIZE
    if request.page > 0 and page * page_size > MAX_HITS_REACHABLE:
        v.add("page", f"page * page_size must not pass {MAX_HITS_REACHABLE}")
    pre, post, crop = _highlight(v, request.highlight, "highlight")
    v.raise_if_any()
    query = SearchQuery(
        text=request.query,
        filters=filters,
        facets=facets,
        sort=sort or Sort.RELEVANCE,
        page=page,
        page_size=page_size,
        snippet_words=crop,
    )
    return query, (pre, post)


def suggest_request(request: api.SuggestProductsRequest) -> tuple[SuggestQuery, tuple[str, str]]:
    v = Violations()
    _query_text(v, "prefix", request.prefix, MAX_PREFIX_CHARS)
    if not 0 <= request.limit <= MAX_SUGGESTIONS:
        v.add("limit", f"must be between 0 and {MAX_SUGGESTIONS} (0 means {DEFAULT_SUGGESTIONS})")
    category_ids = _ids(v, "category_ids", request.category_ids)
    pre, post, _ = _highlight(v, request.highlight, "highlight")
    v.raise_if_any()
    return SuggestQuery(request.prefix, request.limit or DEFAULT_SUGGESTIONS, category_ids), (
        pre,
        post,
    )
