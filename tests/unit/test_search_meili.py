"""The MeiliSearch backend's pure parts, tested always (no server needed):
filter expressions and their quoting, index settings, documents, the
multi-search body and hit mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest
from vitrine_server.search.meili.backend import search_queries
from vitrine_server.search.meili.documents import document, hit
from vitrine_server.search.meili.filters import both, expression, price_range, quote
from vitrine_server.search.meili.settings import RANKING_RULES, index_settings
from vitrine_server.search.model import FacetField, FacetSpec, Filters, SearchQuery, Sort
from vitrine_server.search.settings import SearchSettings
from vitrine_server.search.text import MARK_END, MARK_START

FILTERS = Filters(
    category_ids=(3, 7),
    brands=("arno", 'x" OR brand_key = "y'),
    store_ids=(5,),
    min_price_minor=100,
    max_price_minor=900,
    min_rating=Decimal("4.5"),
    in_stock_only=True,
)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("arno", '"arno"'),
        ('a"b', '"a\\"b"'),
        ("a\\", '"a\\\\"'),
        ('\\" OR 1=1 OR "', '"\\\\\\" OR 1=1 OR \\""'),
        ("x' AND y", '"x\' AND y"'),
    ],
)
def test_quote_escapes_what_could_end_a_literal(value: str, literal: str) -> None:
    assert quote(value) == literal


def _unquote_all(expr: str) -> list[str]:
    """The string literals of a filter, read back as MeiliSearch reads them."""
    out, i = [], 0
    while (start := expr.find('"', i)) != -1:
        j, chars = start + 1, []
        while expr[j] != '"':
            if expr[j] == "\\":
                j += 1
            chars.append(expr[j])
            j += 1
        out.append("".join(chars))
        i = j + 1
    return out


def test_filter_expression_holds_every_condition_and_only_literal_values() -> None:
    expr = expression(FILTERS)
    assert expr == (
        "category_path IN [3, 7] AND "
        'brand_key IN ["arno", "x\\" OR brand_key = \\"y"] AND '
        "store_ids IN [5] AND price >= 100 AND price <= 900 AND "
        "rating >= 4.5 AND in_stock = true"
    )
    # The hostile brand is one literal, read back exactly.
    assert _unquote_all(expr) == ["arno", 'x" OR brand_key = "y']


def test_a_facet_counts_over_every_filter_but_its_own() -> None:
    assert "brand_key" not in expression(FILTERS, without=FacetField.BRAND)
    assert "category_path" not in expression(FILTERS, without=FacetField.CATEGORY)
    assert "store_ids" not in expression(FILTERS, without=FacetField.STORE)
    no_price = expression(FILTERS, without=FacetField.PRICE)
    assert "price" not in no_price and "rating >= 4.5" in no_price
    assert expression(Filters()) == ""


def test_price_ranges_and_conjunction() -> None:
    edges = (1000, 5000)
    assert price_range(edges, 0) == "price EXISTS AND price < 1000"
    assert price_range(edges, 1) == "price EXISTS AND price >= 1000 AND price < 5000"
    assert price_range(edges, 2) == "price EXISTS AND price >= 5000"
    assert both("a = 1", "b = 2") == "(a = 1) AND (b = 2)"
    assert both("", "b = 2") == "b = 2"


def test_index_settings_follow_design() -> None:
    settings = index_settings(
        SearchSettings.build([["tv", "televisor", "smart tv"]], ["de", "com"])
    )
    assert settings["searchableAttributes"] == ["name", "brand", "category_names", "description"]
    assert settings["synonyms"]["tv"] == ["televisor", "smart tv"]
    assert settings["synonyms"]["smart tv"] == ["tv", "televisor"]
    assert settings["stopWords"] == ["com", "de"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 8}
    assert RANKING_RULES[-1] == "rating:desc"
    assert {"price", "rating", "created", "discount_bps", "review_count"} == set(
        settings["sortableAttributes"]
    )


ROW = {
    "id": 9,
    "slug": "tv-x",
    "name": f"TV {MARK_START}X{MARK_END}",
    "brand": "Sony ",
    "description": "d",
    "category_id": 3,
    "category_path": [1, 3],
    "category_names": "Eletrônicos TVs",
    "image_url": "",
    "rating": Decimal("4.5"),
    "review_count": 2,
    "currency_code": "BRL",
    "best_price_minor": None,
    "best_store_id": None,
    "best_in_stock": False,
    "discount_bps": 0,
    "created": 1700000000,
    "live": True,
    "store_ids": [5, 2],
}


def test_document_strips_marks_and_leaves_out_a_missing_price() -> None:
    doc = document(ROW)
    assert doc["name"] == "TV X" and doc["brand_key"] == "sony"
    assert "price" not in doc and doc["store_ids"] == [2, 5] and doc["rating"] == 4.5
    assert document({**ROW, "best_price_minor": 1990})["price"] == 1990


def test_search_body_has_one_query_per_facet_and_price_range() -> None:
    query = SearchQuery(
        text="tv",
        filters=FILTERS,
        facets=(FacetSpec(FacetField.BRAND), FacetSpec(FacetField.PRICE, (1000, 5000))),
        sort=Sort.PRICE_ASC,
        page=2,
        page_size=10,
    )
    body = search_queries("products", query, "all")
    assert len(body) == 1 + 1 + 3
    main = body[0]
    assert main["page"] == 2 and main["hitsPerPage"] == 10 and main["sort"] == ["price:asc"]
    assert main["highlightPreTag"] == MARK_START and main["filter"] == expression(FILTERS)
    assert body[1]["facets"] == ["brand"] and "brand_key" not in body[1]["filter"]
    assert all(q["hitsPerPage"] == 0 for q in body[1:])
    assert "price < 1000" in body[2]["filter"] and "price <= 900" not in body[2]["filter"]


def test_hit_mapping_uses_formatted_fields() -> None:
    h = hit(
        {
            "id": 9,
            "name": "TV X",
            "brand": "Sony",
            "price": 1990,
            "_formatted": {"name": f"{MARK_START}TV{MARK_END} X", "description": "…d…"},
        }
    )
    assert h.name_marked == f"{MARK_START}TV{MARK_END} X" and h.snippet_marked == "…d…"
    assert h.price_minor == 1990 and h.brand_marked == "Sony"
