"""A hit's product as the wire carries it, encoded once, when it is indexed.

The embedded index keeps with every product its ProductSummary already
serialised (its "card"), so a page of hits is assembled from bytes: the
card, and the three highlighted texts around it, each behind its protobuf
tag and length. Converting twenty hits field by field into messages cost
more than finding them.

Only this module and the handlers know the layout; to everything between
(the engine, the service) a card is opaque bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vitrine.search.v1 import search_service_pb2 as api

from vitrine_server.rpc.wire import money

# Tags of length-delimited fields (field number << 3 | 2).
_HITS = b"\x0a"  # SearchProductsResponse.hits
_PRODUCT = b"\x0a"  # SearchHit.product
_NAME = b"\x12"  # SearchHit.name_highlighted
_BRAND = b"\x1a"  # SearchHit.brand_highlighted
_SNIPPET = b"\x22"  # SearchHit.description_snippet


def _encode_varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


# Every length a hit's part can have but the rare long ones, ready made.
_VARINTS = [_encode_varint(n) for n in range(1 << 14)]


def _varint(n: int) -> bytes:
    return _VARINTS[n] if n < 16384 else _encode_varint(n)


def card(row: Mapping[str, Any], name: str, brand: str) -> bytes:
    """The ProductSummary of a product row (documents.sql: product_documents),
    with its name and brand as indexed (marks stripped)."""
    return api.ProductSummary(
        id=row["id"],
        slug=row["slug"],
        name=name,
        brand=brand,
        category_id=row["category_id"],
        image_url=row["image_url"],
        rating=float(row["rating"]),
        review_count=row["review_count"],
        best_price=money(row["best_price_minor"], row["currency_code"]),
        best_store_id=row["best_store_id"] or 0,
        in_stock=bool(row["best_in_stock"]),
        discount_bps=row["discount_bps"],
    ).SerializeToString()


def _text(tag: bytes, text: str) -> bytes:
    if not text:
        return b""  # proto3 leaves an empty string out
    data = text.encode()
    return tag + _varint(len(data)) + data


def hit_entry(card: bytes, name: str, brand: str, snippet: str) -> bytes:
    """One SearchHit, as an entry of SearchProductsResponse.hits."""
    body = (
        _PRODUCT
        + _varint(len(card))
        + card
        + _text(_NAME, name)
        + _text(_BRAND, brand)
        + _text(_SNIPPET, snippet)
    )
    return _HITS + _varint(len(body)) + body


def message_entry(hit: api.SearchHit) -> bytes:
    """A SearchHit built as a message (a backend without cards), as an
    entry of SearchProductsResponse.hits."""
    body = hit.SerializeToString()
    return _HITS + _varint(len(body)) + body
