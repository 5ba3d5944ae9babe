"""The index settings MeiliSearch is given (the product's search settings:
docs/api.md, "Search"), from the service's synonyms and stop words."""

from __future__ import annotations

from typing import Any

from vitrine_server.search.model import Sort
from vitrine_server.search.settings import SearchSettings

# "sort" follows "words" (not "attribute", as MeiliSearch suggests) so that a
# requested order wins over relevance among hits that have every word, as it
# does in the embedded backend.
RANKING_RULES = [
    "words",
    "sort",
    "typo",
    "proximity",
    "attribute",
    "exactness",
    "rating:desc",
]

SORTS: dict[Sort, list[str]] = {
    Sort.RELEVANCE: [],
    Sort.PRICE_ASC: ["price:asc"],
    Sort.PRICE_DESC: ["price:desc"],
    Sort.RATING: ["rating:desc"],
    Sort.NEWEST: ["created:desc"],
    Sort.DISCOUNT: ["discount_bps:desc"],
}


def index_settings(settings: SearchSettings) -> dict[str, Any]:
    synonyms: dict[str, list[str]] = {}
    for group in settings.synonym_groups:
        for term in group:
            others = synonyms.setdefault(term, [])
            others.extend(t for t in group if t != term and t not in others)
    return {
        "searchableAttributes": ["name", "brand", "category_names", "description"],
        "filterableAttributes": [
            "category_path",
            "category_id",
            "brand",
            "brand_key",
            "store_ids",
            "price",
            "rating",
            "in_stock",
        ],
        "sortableAttributes": ["price", "rating", "review_count", "created", "discount_bps"],
        "rankingRules": RANKING_RULES,
        "synonyms": synonyms,
        "stopWords": sorted(settings.stop_words),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8},
        },
        "faceting": {"maxValuesPerFacet": 100},
        "pagination": {"maxTotalHits": 1000},
        "displayedAttributes": ["*"],
    }
