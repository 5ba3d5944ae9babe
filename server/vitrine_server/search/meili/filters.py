"""MeiliSearch filter expressions from structured filters.

A filter is a string in MeiliSearch's own syntax, so every value is either
an int or a float formatted by Python, or a string literal quoted here:
wrapped in double quotes with backslashes and double quotes escaped. No
caller value can end a literal early, so none can add a condition.
"""

from __future__ import annotations

from vitrine_server.search.model import FacetField, Filters


def quote(value: str) -> str:
    """A MeiliSearch string literal that means exactly `value`."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _numbers(values: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def expression(filters: Filters, *, without: FacetField | None = None) -> str:
    """The filter of `filters`, leaving out the conditions on `without` (a
    facet counts over every filter but its own). "" when nothing filters."""
    parts: list[str] = []
    if filters.category_ids and without is not FacetField.CATEGORY:
        # category_path holds the product's category and its ancestors.
        parts.append(f"category_path IN {_numbers(filters.category_ids)}")
    if filters.brands and without is not FacetField.BRAND:
        parts.append("brand_key IN [" + ", ".join(quote(b) for b in filters.brands) + "]")
    if filters.store_ids and without is not FacetField.STORE:
        parts.append(f"store_ids IN {_numbers(filters.store_ids)}")
    if without is not FacetField.PRICE:
        if filters.min_price_minor is not None:
            parts.append(f"price >= {int(filters.min_price_minor)}")
        if filters.max_price_minor is not None:
            parts.append(f"price <= {int(filters.max_price_minor)}")
    if filters.min_rating is not None:
        parts.append(f"rating >= {float(filters.min_rating)}")
    if filters.in_stock_only:
        parts.append("in_stock = true")
    return " AND ".join(parts)


def price_range(edges: tuple[int, ...], bucket: int) -> str:
    """The condition of price bucket `bucket` (as model.price_range_label numbers them)."""
    parts = ["price EXISTS"]
    if bucket > 0:
        parts.append(f"price >= {int(edges[bucket - 1])}")
    if bucket < len(edges):
        parts.append(f"price < {int(edges[bucket])}")
    return " AND ".join(parts)


def both(a: str, b: str) -> str:
    if a and b:
        return f"({a}) AND ({b})"
    return a or b
