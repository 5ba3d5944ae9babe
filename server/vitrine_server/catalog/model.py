"""What the catalog's requests ask, checked, independent of protobuf.

validate.py builds these from requests; service.py decides with them;
store.py binds them as parameters. Products themselves travel as cache
entries (bytes: see cache/aside.py), which the edge turns into protobuf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

# The fields a write may set, in the order the update statement binds them.
UPDATABLE = (
    "slug",
    "name",
    "description",
    "brand",
    "category_id",
    "attributes",
    "image_url",
    "rating",
    "review_count",
    "external_id",
    "source_store_id",
)


class ProductOrder(Enum):
    """ListProducts orders; each has its own keyset statement (products.sql)."""

    BEST_PRICE = "price"
    RATING = "rating"
    NEWEST = "newest"
    DISCOUNT = "discount"


@dataclass(frozen=True, slots=True)
class ProductRead:
    """Products by id. `max_age` > 0: entries that old may come from memory."""

    ids: list[int]
    show_deleted: bool = False
    max_age: float = 0.0


@dataclass(frozen=True, slots=True)
class ProductFilter:
    category_id: int | None = None
    # Lower case.
    brands: list[str] | None = None
    store_ids: list[int] | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    currency: str | None = None
    in_stock_only: bool = False
    show_deleted: bool = False


@dataclass(frozen=True, slots=True)
class ProductListQuery:
    filter: ProductFilter
    order: ProductOrder
    size: int
    # (sort key, id) of the last product of the previous page.
    after: tuple[Any, int] | None = None


@dataclass(frozen=True, slots=True)
class ProductFields:
    """A product's writable fields (only those named in a change are used)."""

    slug: str = ""
    name: str = ""
    description: str = ""
    brand: str = ""
    category_id: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    image_url: str = ""
    rating: float = 0.0
    review_count: int = 0
    external_id: str = ""
    source_store_id: int = 0
    currency_code: str = "BRL"


@dataclass(frozen=True, slots=True)
class ProductChange:
    """UpdateProduct: the fields of `paths`, if the product is at `version`."""

    id: int
    paths: list[str]
    fields: ProductFields
    version: int | None = None


@dataclass(frozen=True, slots=True)
class ProductState:
    """What a conditional write that matched nothing found instead."""

    version: int
    deleted: bool
    exists: bool = True


@dataclass(frozen=True, slots=True)
class NewCategory:
    parent_id: int | None
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class NewStore:
    slug: str
    name: str
    country_code: str
    currency_code: str
    url: str


class EventKind(Enum):
    """What a shopper did with a product (each weighs differently in trending)."""

    VIEW = "view"
    FAVORITE = "favorite"
    CLICK_OUT = "click_out"


@dataclass(frozen=True, slots=True)
class ProductEvent:
    """RecordProductEvents: `count` events of `kind` at `at` (epoch seconds)."""

    product_id: int
    kind: EventKind
    count: int
    at: float


@dataclass(frozen=True, slots=True)
class EventsRecorded:
    """RecordProductEvents' answer: events counted, and those of unknown products."""

    recorded: int
    skipped: int


@dataclass(frozen=True, slots=True)
class TrendingQuery:
    """ListTrending: the top `limit` overall (category 0) or in a category."""

    category_id: int
    limit: int


@dataclass(frozen=True, slots=True)
class Trending:
    """A trending product: its cache entry and its decayed score."""

    entry: bytes
    score: float


@dataclass(frozen=True, slots=True)
class FavoriteRef:
    """A user's favorite product (AddFavorite, RemoveFavorite)."""

    user_id: str
    product_id: int


@dataclass(frozen=True, slots=True)
class FavoriteListQuery:
    """A page of a user's favorites, newest first; `after` is the cursor
    (created_at in microseconds, product id) of the last one served."""

    user_id: str
    size: int
    after: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class FavoriteCheck:
    """CheckFavorites: which of `product_ids` the user favored."""

    user_id: str
    product_ids: list[int]


@dataclass(frozen=True, slots=True)
class Favorite:
    """A favorite as listed: the product's cache entry, None when the
    product is gone (the favorite is still listed)."""

    product_id: int
    created_at: datetime
    entry: bytes | None


@dataclass(frozen=True, slots=True)
class OfferInput:
    """One offer of UpsertOffers: a store's price for a product, seen at `observed_at`."""

    product_id: int
    store_id: int
    external_id: str
    url: str
    currency_code: str
    price_minor: int
    original_price_minor: int | None
    in_stock: bool
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class OfferListQuery:
    product_id: int
    in_stock_only: bool
    size: int
    # (in stock, price, id) of the last offer of the previous page.
    after: tuple[bool, int, int] | None = None
