"""What a search asks and answers, independent of protobuf and of the
backend that answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class FacetField(Enum):
    BRAND = "brand"
    CATEGORY = "category"
    STORE = "store"
    PRICE = "price"


class Sort(Enum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    RATING = "rating"
    NEWEST = "newest"
    DISCOUNT = "discount"


@dataclass(frozen=True, slots=True)
class Filters:
    category_ids: tuple[int, ...] = ()
    # Lower case.
    brands: tuple[str, ...] = ()
    store_ids: tuple[int, ...] = ()
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    min_rating: Decimal | None = None
    in_stock_only: bool = False


@dataclass(frozen=True, slots=True)
class FacetSpec:
    field: FacetField
    # For PRICE: ascending edges in minor units.
    price_edges: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    filters: Filters = field(default_factory=Filters)
    facets: tuple[FacetSpec, ...] = ()
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20
    snippet_words: int = 20


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    slug: str
    name: str
    brand: str
    category_id: int
    image_url: str
    rating: float
    review_count: int
    currency_code: str
    price_minor: int | None
    store_id: int | None
    in_stock: bool
    discount_bps: int
    # Name, brand and description snippet with text.MARK_START/MARK_END
    # around matched words.
    name_marked: str
    brand_marked: str
    snippet_marked: str


@dataclass(frozen=True, slots=True)
class CardHit:
    """A hit of the embedded index: its product pre-serialised when it was
    indexed (search/cards.py; opaque bytes here), and what the query marks."""

    card: bytes
    name_marked: str
    brand_marked: str
    snippet_marked: str


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Facet:
    field: FacetField
    counts: tuple[FacetCount, ...]


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: tuple[Hit | CardHit, ...]
    facets: tuple[Facet, ...]
    total: int
    corrected_query: str = ""
    partial_match: bool = False


@dataclass(frozen=True, slots=True)
class SuggestQuery:
    text: str
    limit: int = 8
    category_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    marked: str
    product_id: int


def price_range_label(edges: tuple[int, ...], bucket: int) -> str:
    """The value of price bucket `bucket` (0: below the first edge,
    len(edges): the last edge or more), as "from..to" in minor units."""
    low = str(edges[bucket - 1]) if bucket > 0 else ""
    high = str(edges[bucket]) if bucket < len(edges) else ""
    return f"{low}..{high}"


@dataclass(frozen=True, slots=True)
class SearchHealth:
    """What GetStatus reports about the search backend."""

    # "tantivy" or "meilisearch".
    backend: str
    reachable: bool
    # Seconds the probe took.
    latency: float
    version: str = ""
    # Why it is unreachable, or anything worth saying.
    detail: str = ""
