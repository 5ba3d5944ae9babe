"""Catalog requests checked and turned into model.py's values.

Every problem of a request is reported at once, each as a violation naming
its field; nothing reaches the service unchecked. The catalog-only field
checks (slugs, URLs, countries) are here too; those shared by every service
(text, ids, money, times, lists) are in vitrine_server.validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import product_pb2

from vitrine_server import errors
from vitrine_server.cache.local import MAX_STALENESS_S
from vitrine_server.catalog.convert import parse_etag
from vitrine_server.catalog.model import (
    UPDATABLE,
    EventKind,
    FavoriteCheck,
    FavoriteListQuery,
    FavoriteRef,
    NewCategory,
    NewStore,
    OfferInput,
    OfferListQuery,
    ProductChange,
    ProductEvent,
    ProductFields,
    ProductFilter,
    ProductListQuery,
    ProductOrder,
    ProductRead,
    TrendingQuery,
)
from vitrine_server.errors import Violations
from vitrine_server.rpc import paging
from vitrine_server.validation import lists, money, refs, text, times

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
COUNTRY = re.compile(r"^[A-Z]{2}\Z")
MAX_URL = 2000


def slug(v: Violations, path: str, value: str, max_len: int = 120) -> None:
    if not value:
        v.add(path, "is required")
    elif len(value) > max_len or not SLUG.match(value):
        v.add(
            path, f"must be lower-case letters, digits and single hyphens, 1-{max_len} characters"
        )


def url(v: Violations, path: str, value: str, *, required: bool = False) -> None:
    if not value:
        if required:
            v.add(path, "is required")
        return
    if len(value) > MAX_URL or text.storable_problem(value) is not None:
        v.add(path, f"must be an http or https URL of at most {MAX_URL} characters")
        return
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        v.add(path, f"must be an http or https URL of at most {MAX_URL} characters")


def country(v: Violations, path: str, value: str) -> None:
    if not COUNTRY.match(value):
        v.add(path, "must be an ISO 3166-1 alpha-2 code of two upper-case letters, e.g. BR")


# -- products ------------------------------------------------------------

MAX_BATCH = 1000
MAX_FILTER_VALUES = 50
ORDERS = {
    api.PRODUCT_ORDER_BEST_PRICE: ProductOrder.BEST_PRICE,
    api.PRODUCT_ORDER_RATING: ProductOrder.RATING,
    api.PRODUCT_ORDER_NEWEST: ProductOrder.NEWEST,
    api.PRODUCT_ORDER_DISCOUNT: ProductOrder.DISCOUNT,
}


# The page-token cursor of each order: its sort key (as products.sql binds it), then the id.
PRODUCT_CURSORS = {
    ProductOrder.BEST_PRICE: (paging.INT64, paging.INT64),
    ProductOrder.RATING: (paging.DECIMAL, paging.INT64),
    ProductOrder.NEWEST: (paging.MICROS, paging.INT64),
    ProductOrder.DISCOUNT: (paging.INT32, paging.INT64),
}


def max_age(request: api.GetProductRequest | api.BatchGetProductsRequest) -> float:
    """Seconds of staleness the caller accepts (0: none)."""
    if not request.HasField("max_staleness"):
        return 0.0
    v = Violations()
    seconds = times.duration(
        v, "max_staleness", request.max_staleness, minimum=0, maximum=MAX_STALENESS_S
    )
    v.raise_if_any()
    return seconds or 0.0


def product_id(value: int) -> int:
    """GetProduct's id: the hottest check there is, kept to one comparison."""
    if value <= 0:
        raise errors.InvalidArgument([errors.FieldViolation("id", "must be a positive id")])
    return value


def batch_read(request: api.BatchGetProductsRequest) -> ProductRead:
    age = max_age(request)
    v = Violations()
    refs.id_list(v, "ids", request.ids, MAX_BATCH)
    v.raise_if_any()
    return ProductRead(list(request.ids), request.show_deleted, age)


def product_filter(v: Violations, request: api.ListProductsRequest) -> ProductFilter:
    f = request.filter
    refs.optional_id(v, "filter.category_id", f.category_id, "any category")
    if lists.within(v, "filter.brands", f.brands, MAX_FILTER_VALUES, noun="brands"):
        for i, brand in enumerate(f.brands):
            text.text(v, f"filter.brands[{i}]", brand, 100)
    refs.id_list(v, "filter.store_ids", f.store_ids, MAX_FILTER_VALUES, required=False)
    currencies = set()
    for name in ("min_price", "max_price"):
        if f.HasField(name):
            m = getattr(f, name)
            money.currency(v, f"filter.{name}.currency_code", m.currency_code)
            money.bound(v, f"filter.{name}.amount_minor", m.amount_minor)
            currencies.add(m.currency_code)
    if len(currencies) > 1:
        v.add("filter.max_price.currency_code", "must be the same as min_price's")
    return ProductFilter(
        category_id=f.category_id or None,
        brands=[b.lower() for b in f.brands] or None,
        store_ids=list(f.store_ids) or None,
        min_price_minor=f.min_price.amount_minor if f.HasField("min_price") else None,
        max_price_minor=f.max_price.amount_minor if f.HasField("max_price") else None,
        currency=next(iter(currencies)) if currencies else None,
        in_stock_only=f.in_stock_only,
        show_deleted=request.show_deleted,
    )


def list_order(v: Violations, request: api.ListProductsRequest) -> ProductOrder:
    order = ORDERS.get(request.order_by or api.PRODUCT_ORDER_NEWEST)
    if order is None:
        v.add("order_by", "is not a known order")
        return ProductOrder.NEWEST
    return order


def list_query(request: api.ListProductsRequest) -> ProductListQuery:
    """The first page's query (the handler adds the page token's cursor)."""
    size = paging.page_size(request.page_size)
    v = Violations()
    product_filter_ = product_filter(v, request)
    order = list_order(v, request)
    v.raise_if_any()
    return ProductListQuery(product_filter_, order, size)


def _attributes(v: Violations, path: str, p: product_pb2.Product) -> None:
    if lists.within(v, path, p.attributes, 50, noun="entries"):
        for key, value in p.attributes.items():
            if not key or len(key) > 100 or len(value) > 1000:
                v.add(f"{path}[{key[:40]!r}]", "keys 1-100, values 0-1000 characters")


def _check(problem: str, bad: Callable[[product_pb2.Product], bool]) -> _FieldCheck:
    def check(v: Violations, path: str, p: product_pb2.Product) -> None:
        if bad(p):
            v.add(path, problem)

    return check


_FieldCheck = Callable[[Violations, str, product_pb2.Product], None]
# Each updatable field's check, in the order violations are reported.
_FIELD_CHECKS: dict[str, _FieldCheck] = {
    "slug": lambda v, path, p: slug(v, path, p.slug),
    "name": lambda v, path, p: text.text(v, path, p.name, 300, required=True),
    "description": lambda v, path, p: text.text(v, path, p.description, 10_000),
    "brand": lambda v, path, p: text.text(v, path, p.brand, 100),
    "category_id": _check("must be a positive id", lambda p: p.category_id < 0),
    "attributes": _attributes,
    "image_url": lambda v, path, p: url(v, path, p.image_url),
    "rating": _check("must be between 0.0 and 5.0", lambda p: not (0.0 <= p.rating <= 5.0)),
    "review_count": _check("may not be negative", lambda p: p.review_count < 0),
    "external_id": lambda v, path, p: text.text(v, path, p.external_id, 200),
    "source_store_id": _check("must be a positive id", lambda p: p.source_store_id < 0),
}


def _product_fields(v: Violations, p: product_pb2.Product, paths: Collection[str]) -> None:
    for name, check in _FIELD_CHECKS.items():
        if name in paths:
            check(v, f"product.{name}", p)
    if p.external_id and "external_id" in paths and not p.source_store_id:
        v.add("product.source_store_id", "is required with external_id")


def _fields(p: product_pb2.Product, currency: str = "BRL") -> ProductFields:
    return ProductFields(
        slug=p.slug,
        name=p.name,
        description=p.description,
        brand=p.brand,
        category_id=p.category_id,
        attributes=dict(p.attributes),
        image_url=p.image_url,
        rating=p.rating,
        review_count=p.review_count,
        external_id=p.external_id,
        source_store_id=p.source_store_id,
        currency_code=currency,
    )


def new_product(request: api.CreateProductRequest) -> ProductFields:
    p = request.product
    v = Violations()
    _product_fields(v, p, UPDATABLE)
    if not p.category_id:
        v.add("product.category_id", "is required")
    currency = p.currency_code or "BRL"
    money.currency(v, "product.currency_code", currency)
    v.raise_if_any()
    return _fields(p, currency)


def _mask(v: Violations, request: api.UpdateProductRequest) -> list[str]:
    """The fields an update sets: its mask, "*" for all, none for those set."""
    paths = list(request.update_mask.paths)
    if paths == ["*"]:
        return list(UPDATABLE)
    if not paths:
        return [f.name for f, _ in request.product.ListFields() if f.name in UPDATABLE]
    for path in paths:
        if path not in UPDATABLE:
            v.add("update_mask", f"cannot update {path!r}; updatable: {', '.join(UPDATABLE)}")
    return paths


def product_change(request: api.UpdateProductRequest) -> ProductChange:
    p = request.product
    v = Violations()
    if p.id <= 0:
        v.add("product.id", "must be a positive id")
    paths = _mask(v, request)
    _product_fields(v, p, paths)
    if "category_id" in paths and not p.category_id:
        v.add("product.category_id", "is required")
    version = etag_version(v, "product.etag", p.etag)
    v.raise_if_any()
    return ProductChange(p.id, paths, _fields(p), version)


def product_delete(request: api.DeleteProductRequest) -> tuple[int, int | None]:
    """The product to delete, and the version it must be at (None: any)."""
    v = Violations()
    refs.positive_id(v, "id", request.id)
    version = etag_version(v, "etag", request.etag)
    v.raise_if_any()
    return request.id, version


def positive_id(path: str, value: int) -> int:
    v = Violations()
    refs.positive_id(v, path, value)
    v.raise_if_any()
    return value


def optional_id(path: str, value: int, meaning_of_zero: str) -> int:
    v = Violations()
    refs.optional_id(v, path, value, meaning_of_zero)
    v.raise_if_any()
    return value


def etag_version(v: Violations, path: str, value: str) -> int | None:
    if not value:
        return None
    version = parse_etag(value)
    if version is None:
        v.add(path, "is not an etag this service issued")
    return version


# -- categories and stores ------------------------------------------------


def new_category(request: api.CreateCategoryRequest) -> NewCategory:
    c = request.category
    v = Violations()
    slug(v, "category.slug", c.slug, 63)
    text.text(v, "category.name", c.name, 200, required=True)
    refs.optional_id(v, "category.parent_id", c.parent_id, "a root")
    v.raise_if_any()
    return NewCategory(c.parent_id or None, c.slug, c.name)


def new_store(request: api.CreateStoreRequest) -> NewStore:
    s = request.store
    v = Violations()
    slug(v, "store.slug", s.slug, 63)
    text.text(v, "store.name", s.name, 200, required=True)
    country(v, "store.country_code", s.country_code)
    money.currency(v, "store.currency_code", s.currency_code)
    url(v, "store.url", s.url)
    v.raise_if_any()
    return NewStore(s.slug, s.name, s.country_code, s.currency_code, s.url)


def _batch(path: str, items: list[Any], maximum: int, noun: str) -> Violations:
    """A batch of 1 to `maximum` items (raised now if not); the violations
    its items will add to."""
    v = Violations()
    if not items:
        v.add(path, f"must hold at least one {noun}")
    lists.within(v, path, items, maximum, noun=f"{noun}s")
    v.raise_if_any()
    return v


# -- trending -------------------------------------------------------------

EVENT_KINDS = {
    api.PRODUCT_EVENT_KIND_VIEW: EventKind.VIEW,
    api.PRODUCT_EVENT_KIND_FAVORITE: EventKind.FAVORITE,
    api.PRODUCT_EVENT_KIND_CLICK_OUT: EventKind.CLICK_OUT,
}
MAX_EVENTS = 10_000
MAX_EVENT_COUNT = 1_000_000
MAX_EVENT_AGE = timedelta(days=7)


def product_events(request: api.RecordProductEventsRequest) -> list[ProductEvent]:
    now = datetime.now(UTC)
    events = list(request.events)
    v = _batch("events", events, MAX_EVENTS, "event")
    checked = [_event(v, f"events[{i}]", e, now) for i, e in enumerate(events)]
    v.raise_if_any()
    return checked


def _event(v: Violations, at: str, e: api.ProductEvent, now: datetime) -> ProductEvent:
    refs.positive_id(v, f"{at}.product_id", e.product_id)
    kind = EVENT_KINDS.get(e.kind)
    if kind is None:
        v.add(f"{at}.kind", "must be VIEW, FAVORITE or CLICK_OUT")
    if not 0 <= e.count <= MAX_EVENT_COUNT:
        v.add(f"{at}.count", f"must be between 0 and {MAX_EVENT_COUNT}")
    when = now
    if e.HasField("occurred_time"):
        when = times.past(v, f"{at}.occurred_time", e.occurred_time, max_age=MAX_EVENT_AGE, now=now)
    # An unknown kind is a violation, raised with the others before use.
    return ProductEvent(e.product_id, kind or EventKind.VIEW, e.count, when.timestamp())


MAX_TRENDING = 100
DEFAULT_TRENDING = 20


def trending_query(request: api.ListTrendingRequest) -> TrendingQuery:
    v = Violations()
    refs.optional_id(v, "category_id", request.category_id, "all")
    if not 0 <= request.limit <= MAX_TRENDING:
        v.add("limit", f"must be between 0 and {MAX_TRENDING} (0 means {DEFAULT_TRENDING})")
    v.raise_if_any()
    return TrendingQuery(request.category_id, request.limit or DEFAULT_TRENDING)


# -- favorites ------------------------------------------------------------

MAX_FAVORITE_CHECK = 1000
# The cursor of ListFavorites: when it was favored (microseconds), the product id.
FAVORITE_CURSOR = (paging.MICROS, paging.INT64)


def favorite(request: api.AddFavoriteRequest | api.RemoveFavoriteRequest) -> FavoriteRef:
    v = Violations()
    text.user_id(v, "user_id", request.user_id)
    refs.positive_id(v, "product_id", request.product_id)
    v.raise_if_any()
    return FavoriteRef(request.user_id, request.product_id)


def favorite_list(request: api.ListFavoritesRequest) -> FavoriteListQuery:
    """The first page's query (the handler adds the page token's cursor)."""
    v = Violations()
    text.user_id(v, "user_id", request.user_id)
    v.raise_if_any()
    return FavoriteListQuery(request.user_id, paging.page_size(request.page_size))


def favorite_check(request: api.CheckFavoritesRequest) -> FavoriteCheck:
    v = Violations()
    text.user_id(v, "user_id", request.user_id)
    refs.id_list(v, "product_ids", request.product_ids, MAX_FAVORITE_CHECK)
    v.raise_if_any()
    return FavoriteCheck(request.user_id, list(request.product_ids))


# -- offers ---------------------------------------------------------------

MAX_UPSERT = 1000
# UpsertOffers sets current prices; old observations belong to price ingestion.
MAX_OBSERVATION_AGE = timedelta(days=365)
# The cursor of ListOffers: in stock, price, id (offers.sql, list_offers).
OFFER_CURSOR = (paging.BOOL, paging.INT64, paging.INT64)


def offer_list(request: api.ListOffersRequest) -> OfferListQuery:
    """The first page's query (the handler adds the page token's cursor)."""
    positive_id("product_id", request.product_id)
    size = paging.page_size(request.page_size)
    return OfferListQuery(request.product_id, request.in_stock_only, size)


def offer_inputs(
    request: api.UpsertOffersRequest, now: datetime, max_age: timedelta
) -> list[OfferInput]:
    """The offers, each observed `now` unless it says when (at most `max_age` ago)."""
    items = list(request.offers)
    v = _batch("offers", items, MAX_UPSERT, "offer")
    seen: dict[tuple[int, str], int] = {}
    checked = []
    for i, o in enumerate(items):
        checked.append(_offer(v, f"offers[{i}]", o, now, max_age))
        key = (o.store_id, o.external_id)
        if key in seen:
            v.add(
                f"offers[{i}].external_id",
                f"repeats offers[{seen[key]}] (same store and external id)",
            )
        seen.setdefault(key, i)
    v.raise_if_any()
    return checked


def _offer(
    v: Violations, at: str, o: api.OfferInput, now: datetime, max_age: timedelta
) -> OfferInput:
    refs.positive_id(v, f"{at}.product_id", o.product_id)
    refs.positive_id(v, f"{at}.store_id", o.store_id)
    text.text(v, f"{at}.external_id", o.external_id, 200, required=True)
    url(v, f"{at}.url", o.url)
    money.currency(v, f"{at}.price.currency_code", o.price.currency_code)
    money.amount(v, f"{at}.price.amount_minor", o.price.amount_minor)
    if o.HasField("original_price"):
        problem = money.original_price_problem(o.price, o.original_price)
        if problem is not None:
            what, description = problem
            field = "currency_code" if what == "currency" else "amount_minor"
            v.add(f"{at}.original_price.{field}", description)
    when = now
    if o.HasField("observed_time"):
        when = times.past(v, f"{at}.observed_time", o.observed_time, max_age=max_age, now=now)
    return OfferInput(
        product_id=o.product_id,
        store_id=o.store_id,
        external_id=o.external_id,
        url=o.url,
        currency_code=o.price.currency_code,
        price_minor=o.price.amount_minor,
        original_price_minor=o.original_price.amount_minor or None,
        in_stock=o.in_stock,
        observed_at=when,
    )
