"""The static material of the demo catalog: stores, the category tree, and
the product lines each leaf category draws its products from, read from
catalog.json (package data, through importlib.resources) when the demo is
seeded; never on the serving path.

Everything here is fictional except brand and model names, which are real so
that searches for "galaxy", "geladeira brastemp" or "airpods" behave as they
would on the real product. Prices are in reais, roughly the Brazilian street
prices of 2024.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class StoreSpec:
    slug: str
    name: str
    url: str
    # Prefix of the store's SKUs in offer external ids ("SKU-IPI-000123").
    sku_prefix: str
    # Slugs of the root categories the store sells; None means all of them.
    sells: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A family of products: one brand, a name template, and the options whose
    every combination is one distinct product (and its attributes)."""

    brand: str
    template: str
    options: Mapping[str, tuple[str, ...]]
    price_reais: tuple[int, int]


@dataclass(frozen=True, slots=True)
class CategorySpec:
    slug: str
    name: str
    children: tuple[CategorySpec, ...] = ()
    # Only leaves have product lines; products live in leaf categories.
    lines: tuple[ProductLine, ...] = ()
    # Relative share of the catalog this leaf gets (while it has names left).
    weight: float = 1.0
    # Sentences a product description in this leaf picks from.
    blurbs: tuple[str, ...] = ()


def _line(data: dict[str, Any]) -> ProductLine:
    low, high = data["price_reais"]
    return ProductLine(
        brand=data["brand"],
        template=data["template"],
        options={key: tuple(values) for key, values in data["options"].items()},
        price_reais=(low, high),
    )


def _category(data: dict[str, Any]) -> CategorySpec:
    return CategorySpec(
        slug=data["slug"],
        name=data["name"],
        children=tuple(_category(child) for child in data.get("children", ())),
        lines=tuple(_line(line) for line in data.get("lines", ())),
        weight=float(data.get("weight", 1.0)),
        blurbs=tuple(data.get("blurbs", ())),
    )


def _store(data: dict[str, Any]) -> StoreSpec:
    sells = data.get("sells")
    return StoreSpec(
        slug=data["slug"],
        name=data["name"],
        url=data["url"],
        sku_prefix=data["sku_prefix"],
        sells=tuple(sells) if sells is not None else None,
    )


_DATA = json.loads(resources.files(__package__).joinpath("catalog.json").read_text("utf-8"))

STORES: tuple[StoreSpec, ...] = tuple(_store(store) for store in _DATA["stores"])
# Option values of these keys are listed cheapest first, so a product's place
# in them moves its price inside its line's range (256GB costs more than
# 128GB). Keys not listed here (colour, voltage, gender...) leave price alone.
PRICE_RISING_KEYS = frozenset(_DATA["price_rising_keys"])
CATEGORY_TREE: tuple[CategorySpec, ...] = tuple(_category(root) for root in _DATA["category_tree"])
# Closing sentences any description may end with.
GENERIC_BLURBS: tuple[str, ...] = tuple(_DATA["generic_blurbs"])
