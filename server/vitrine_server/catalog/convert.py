"""The edge back out: PostgreSQL rows -> protobuf messages, the cache
entries built from them, and entries -> messages (entries are b"V" or b"D"
+ the message's bytes, or b"N": see cache/aside.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import category_pb2, offer_pb2, product_pb2, store_pb2

from vitrine_server.cache.aside import ABSENT_ENTRY
from vitrine_server.catalog.model import Favorite, Trending
from vitrine_server.rpc import wire

# The shared conversions (pricing/ and search/ import them from here too).
timestamp = wire.timestamp
money = wire.money


def etag(version: int) -> str:
    return f'"{version}"'


_VERSION = re.compile(r"^[0-9]{1,18}\Z")  # a bigint version, never past int64


def parse_etag(value: str) -> int | None:
    """The version in an etag we issued, or None when it is not one."""
    text = value.strip().removeprefix("W/").strip('"')
    return int(text) if _VERSION.match(text) else None


def product(row: Any) -> product_pb2.Product:
    currency = row["currency_code"]
    p = product_pb2.Product(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        brand=row["brand"],
        category_id=row["category_id"],
        attributes={str(k): str(v) for k, v in (row["attributes"] or {}).items()},
        image_url=row["image_url"],
        rating=row["rating"],
        review_count=row["review_count"],
        currency_code=currency,
        external_id=row["external_id"] or "",
        source_store_id=row["source_store_id"] or 0,
        create_time=timestamp(row["created_at"]),
        update_time=timestamp(row["updated_at"]),
        delete_time=timestamp(row["deleted_at"]),
        last_scraped_time=timestamp(row["last_scraped_at"]),
        etag=etag(row["version"]),
    )
    if row["best_offer_id"] is not None:
        p.best_offer.CopyFrom(
            product_pb2.BestOffer(
                offer_id=row["best_offer_id"],
                store_id=row["best_store_id"],
                price=money(row["best_price_minor"], currency),
                original_price=money(row["best_original_price_minor"], currency),
                discount_bps=row["discount_bps"],
                in_stock=row["best_in_stock"],
                offer_count=row["offer_count"],
            )
        )
    return p


def product_entry(row: Any | None) -> bytes:
    """The cache entry of a product row (see cache/aside.py for the format)."""
    if row is None:
        return ABSENT_ENTRY
    marker = b"D" if row["deleted_at"] is not None else b"V"
    return marker + product(row).SerializeToString()


def product_from_entry(entry: bytes) -> product_pb2.Product:
    return product_pb2.Product.FromString(entry[1:])


def products_from_entries(entries: dict[int, bytes]) -> dict[int, product_pb2.Product]:
    return {pid: product_from_entry(entry) for pid, entry in entries.items()}


def favorite(user_id: str, product_id: int, created_at: datetime) -> api.Favorite:
    return api.Favorite(user_id=user_id, product_id=product_id, create_time=timestamp(created_at))


def favorites(user_id: str, page: list[Favorite]) -> api.ListFavoritesResponse:
    """A page of favorites; one whose product is gone is listed without it."""
    response = api.ListFavoritesResponse()
    for f in page:
        item = response.favorites.add(
            user_id=user_id, product_id=f.product_id, create_time=timestamp(f.created_at)
        )
        if f.entry is not None:
            item.product.CopyFrom(product_from_entry(f.entry))
    return response


def trending(top: list[Trending]) -> api.ListTrendingResponse:
    response = api.ListTrendingResponse()
    for t in top:
        response.products.add(product=product_from_entry(t.entry), score=t.score)
    return response


def offer(row: Any) -> offer_pb2.Offer:
    currency = row["currency_code"]
    return offer_pb2.Offer(
        id=row["id"],
        product_id=row["product_id"],
        store_id=row["store_id"],
        external_id=row["external_id"],
        url=row["url"],
        price=money(row["price_minor"], currency),
        original_price=money(row["original_price_minor"], currency),
        discount_bps=row["discount_bps"],
        in_stock=row["in_stock"],
        last_seen_time=timestamp(row["last_seen_at"]),
        create_time=timestamp(row["created_at"]),
        update_time=timestamp(row["updated_at"]),
    )


def category(row: Any) -> category_pb2.Category:
    return category_pb2.Category(
        id=row["id"],
        parent_id=row["parent_id"] or 0,
        slug=row["slug"],
        name=row["name"],
        path=list(row["path"]),
        create_time=timestamp(row["created_at"]),
    )


def store(row: Any) -> store_pb2.Store:
    return store_pb2.Store(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        country_code=row["country_code"],
        currency_code=row["currency_code"],
        url=row["url"],
        create_time=timestamp(row["created_at"]),
    )


def category_from_entry(entry: bytes) -> category_pb2.Category:
    return category_pb2.Category.FromString(entry[1:])


def store_from_entry(entry: bytes) -> store_pb2.Store:
    return store_pb2.Store.FromString(entry[1:])


def category_entry(row: Any | None) -> bytes:
    return ABSENT_ENTRY if row is None else b"V" + category(row).SerializeToString()


def store_entry(row: Any | None) -> bytes:
    return ABSENT_ENTRY if row is None else b"V" + store(row).SerializeToString()


def category_tree_entry(rows: list[Any]) -> bytes:
    """The whole tree's entry. Rows come parents first, each level by name:
    each is attached to its parent."""
    response = api.ListCategoriesResponse()
    nodes: dict[int, category_pb2.CategoryNode] = {}
    for row in rows:
        parent = nodes.get(row["parent_id"]) if row["parent_id"] else None
        siblings = parent.children if parent is not None else response.roots
        node = siblings.add()
        node.category.CopyFrom(category(row))
        nodes[row["id"]] = node
    return b"V" + response.SerializeToString()


def category_subtree(entry: bytes, root_id: int) -> api.ListCategoriesResponse | None:
    """The tree of `entry` (0: whole), or below `root_id` (None: no such category)."""
    whole = api.ListCategoriesResponse.FromString(entry[1:])
    if root_id == 0:
        return whole
    node = _find(whole.roots, root_id)
    return None if node is None else api.ListCategoriesResponse(roots=[node])


def _find(nodes: Any, category_id: int) -> category_pb2.CategoryNode | None:
    for node in nodes:
        if node.category.id == category_id:
            return node  # type: ignore[no-any-return]
        found = _find(node.children, category_id)
        if found is not None:
            return found
    return None
