"""Pure parts: page tokens and the named-SQL loader."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.db.sql import parse_queries
from vitrine_server.errors import InvalidArgument
from vitrine_server.rpc import paging

TOKENS = paging.PageTokens.fixed(b"k" * 32)
RATING = (paging.DECIMAL, paging.INT64)


def _body(token: str) -> dict[str, Any]:
    body = token.partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _with_cursor(token: str, cursor: Any) -> str:
    """The token with its cursor replaced and its MAC kept: a forgery."""
    mac = token.partition(".")[2]
    payload = _body(token)
    payload["c"] = cursor
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{forged}.{mac}"


async def test_token_round_trip_and_binding_to_the_request():
    request = api.ListProductsRequest(filter=dict(category_id=3), order_by=api.PRODUCT_ORDER_RATING)
    token = await TOKENS.encode(request, ["4.5", 17])
    request.page_token = token
    request.page_size = 7  # the page size may change between pages
    assert await TOKENS.decode(request, RATING) == [Decimal("4.5"), 17]
    other = api.ListProductsRequest(
        filter=dict(category_id=4), order_by=api.PRODUCT_ORDER_RATING, page_token=token
    )
    with pytest.raises(InvalidArgument):
        await TOKENS.decode(other, RATING)
    for garbage in ("x", "!!!", "e30", token[:-3], token + "x", "." + token, token * 40):
        request.page_token = garbage
        with pytest.raises(InvalidArgument):
            await TOKENS.decode(request, RATING)


async def test_tokens_are_signed_by_this_deployment():
    request = api.ListStoresRequest()
    request.page_token = await TOKENS.encode(request, ["loja-a"])
    assert await TOKENS.decode(request, (paging.TEXT,)) == ["loja-a"]
    # Another secret did not issue it; an unsigned (old-style) token neither.
    with pytest.raises(InvalidArgument):
        await paging.PageTokens.fixed(b"o" * 32).decode(request, (paging.TEXT,))
    request.page_token = request.page_token.partition(".")[0]
    with pytest.raises(InvalidArgument):
        await TOKENS.decode(request, (paging.TEXT,))
    # A token of one list is not one of another, even with the same fields.
    keys = admin.ListApiKeysRequest(page_token=await TOKENS.encode(request, ["loja-a"]))
    with pytest.raises(InvalidArgument):
        await TOKENS.decode(keys, (paging.TEXT,))


async def test_rotation_verifies_with_every_secret_and_signs_with_the_first():
    old = paging.PageTokens.fixed(b"o" * 32)
    rotated = paging.PageTokens.fixed(b"n" * 32, b"o" * 32)
    request = api.ListStoresRequest()
    request.page_token = await old.encode(request, ["loja-a"])
    assert await rotated.decode(request, (paging.TEXT,)) == ["loja-a"]
    request.page_token = await rotated.encode(request, ["loja-b"])
    with pytest.raises(InvalidArgument):
        await old.decode(request, (paging.TEXT,))


@pytest.mark.parametrize(
    ("kinds", "cursor"),
    [
        ((paging.INT64, paging.INT64), [2**63, 1]),
        ((paging.INT64, paging.INT64), [1e300, 1]),
        ((paging.INT64, paging.INT64), ["1", 1]),
        ((paging.INT64, paging.INT64), [True, 1]),
        ((paging.INT64, paging.INT64), [1]),
        ((paging.INT32, paging.INT64), [2**31, 1]),
        ((paging.MICROS, paging.INT64), [2**62, 1]),
        ((paging.DECIMAL, paging.INT64), ["NaN", 1]),
        ((paging.DECIMAL, paging.INT64), ["1e999999", 1]),
        ((paging.BOOL, paging.INT64), [1, 1]),
        ((paging.TEXT,), ["a\x00b"]),
        ((paging.TEXT,), [None]),
        ((paging.TEXT,), "not a list"),
    ],
)
async def test_cursor_values_are_checked_by_kind_even_when_signed(kinds, cursor):
    # Signed by this deployment (as an older build could have), still refused.
    request = api.ListStoresRequest()
    request.page_token = await TOKENS.encode(request, cursor)
    with pytest.raises(InvalidArgument):
        await TOKENS.decode(request, kinds)
    # And a forged cursor under a genuine token's MAC fails the MAC first.
    request.page_token = _with_cursor(await TOKENS.encode(request, ["a"]), cursor)
    with pytest.raises(InvalidArgument):
        await TOKENS.decode(request, kinds)


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
