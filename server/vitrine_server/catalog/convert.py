"""PostgreSQL rows -> protobuf messages, and the cache entries built from them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import category_pb2, offer_pb2, product_pb2, store_pb2
from vitrine.type.v1 import money_pb2

from vitrine_server.cache.aside import ABSENT_ENTRY

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def timestamp(value: datetime | None) -> Timestamp | None:
    # Integer arithmetic on the timedelta: exact, and several times cheaper
    # than Timestamp.FromDatetime (pure Python) on this hot path.
    if value is None:
        return None
    micros = (value - _EPOCH) // _MICROSECOND
    return Timestamp(seconds=micros // 1_000_000, nanos=micros % 1_000_000 * 1000)


def money(amount: int | None, currency: str) -> money_pb2.Money | None:
    if amount is None:
        return None
    return money_pb2.Money(currency_code=currency, amount_minor=amount)


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
