"""Pure parts: page tokens and the named-SQL loader."""

from __future__ import annotations

import pytest
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.db.sql import parse_queries
from vitrine_server.errors import InvalidArgument
from vitrine_server.rpc import paging


def test_token_round_trip_and_binding_to_the_request():
    request = api.ListProductsRequest(filter=dict(category_id=3), order_by=api.PRODUCT_ORDER_RATING)
    token = paging.encode(request, ["4.5", 17])
    request.page_token = token
    request.page_size = 7  # the page size may change between pages
    assert paging.decode(request, token) == ["4.5", 17]
    other = api.ListProductsRequest(filter=dict(category_id=4), order_by=api.PRODUCT_ORDER_RATING)
    with pytest.raises(InvalidArgument):
        paging.decode(other, token)
    for garbage in ("x", "!!!", "e30", token[:-3]):
        with pytest.raises(InvalidArgument):
            paging.decode(request, garbage)


def test_page_size_defaults_and_bounds():
    assert paging.page_size(0) == paging.DEFAULT_PAGE_SIZE
    assert paging.page_size(500) == 500
    for bad in (-1, 501):
        with pytest.raises(InvalidArgument):
            paging.page_size(bad)


def test_named_queries():
    text = "-- name: one\n-- First.\nSELECT 1;\n\n-- name: two\nSELECT $1::int;\n"
    assert parse_queries(text) == {"one": "-- First.\nSELECT 1", "two": "SELECT $1::int"}
    with pytest.raises(ValueError, match="duplicate"):
        parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;")
