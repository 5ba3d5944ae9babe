"""Products as MeiliSearch documents, and MeiliSearch hits as the domain's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vitrine_server.search.model import Hit
from vitrine_server.search.text import strip_marks


def document(row: Mapping[str, Any]) -> dict[str, Any]:
    """The document of a live product row (documents.sql: product_documents)."""
    doc: dict[str, Any] = {
        "id": row["id"],
        "slug": row["slug"],
        # Highlight marks are the service's own: a product can never carry one.
        "name": strip_marks(row["name"]),
        "brand": strip_marks(row["brand"]),
        "brand_key": row["brand"].strip().lower(),
        "description": strip_marks(row["description"]),
        "category_id": row["category_id"],
        "category_path": list(row["category_path"]),
        "category_names": strip_marks(row["category_names"]),
        "image_url": row["image_url"],
        "rating": float(row["rating"]),
        "review_count": row["review_count"],
        "currency_code": row["currency_code"],
        "store_id": row["best_store_id"],
        "in_stock": row["best_in_stock"],
        "discount_bps": row["discount_bps"],
        "created": row["created"],
        "store_ids": sorted(row["store_ids"]),
    }
    # Absent rather than null: MeiliSearch sorts documents without the field last.
    if row["best_price_minor"] is not None:
        doc["price"] = row["best_price_minor"]
    return doc


def hit(h: Mapping[str, Any]) -> Hit:
    """A search hit with `_formatted` (marks around matches, description cropped)."""
    formatted = h.get("_formatted") or {}
    return Hit(
        id=int(h["id"]),
        slug=h.get("slug", ""),
        name=h.get("name", ""),
        brand=h.get("brand", ""),
        category_id=int(h.get("category_id", 0)),
        image_url=h.get("image_url", ""),
        rating=float(h.get("rating", 0.0)),
        review_count=int(h.get("review_count", 0)),
        currency_code=h.get("currency_code", "BRL"),
        price_minor=h.get("price"),
        store_id=h.get("store_id"),
        in_stock=bool(h.get("in_stock", False)),
        discount_bps=int(h.get("discount_bps", 0)),
        name_marked=formatted.get("name", h.get("name", "")),
        brand_marked=formatted.get("brand", h.get("brand", "")),
        snippet_marked=formatted.get("description", ""),
    )
