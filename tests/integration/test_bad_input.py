"""Bad input never reaches INTERNAL, and nothing unsafe goes out: each class
of value of issue 11, through the real server, with the status, the field
and "nothing written" checked. tests/fuzz runs the same classes at random."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine.search.v1 import search_service_pb2 as search

from tests.conftest import BASE_URL, drop_redis_keys, server_settings
from tests.support import (
    Env,
    admin_dsn,
    brl,
    details,
    dsn_for,
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    table_counts,
    unique,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
REJECTED = obs.OBSERVATION_OUTCOME_REJECTED
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# "A few KB": the status message plus every trailer of an error.
MAX_ERROR_BYTES = 4096


@contextlib.asynccontextmanager
async def own_server(template_db: str) -> AsyncIterator[Env]:
    """A server over a database of its own, for tests that change what all see."""
    name = f"vitrine_test_badinput_{uuid.uuid4().hex[:8]}"
    admin_conn = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin_conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin_conn.close()
    settings = server_settings(dsn_for(BASE_URL, name), unique("vitrine-badinput"))
    try:
        async with Env.started(settings) as e:
            yield e
    finally:
        await drop_redis_keys(settings)
        admin_conn = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin_conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin_conn.close()


def ts(when: dt.datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(when)
    return t


def error_bytes(err: grpc.aio.AioRpcError) -> int:
    trailers = err.trailing_metadata() or ()
    return len(err.details() or "") + sum(len(k) + len(v) for k, v in trailers)


async def _world(catalog: Any) -> dict[str, Any]:
    category = await make_category(catalog)
    store = await make_store(catalog)
    product = await make_product(catalog, category.id)
    offer = await make_offer(
        catalog, product.id, store.id, 10_000, observed=ts(NOW - dt.timedelta(days=1))
    )
    return dict(category=category, store=store, product=product, offer=offer)


# -- 1. timestamps --------------------------------------------------------------

BAD_TIMES = [
    Timestamp(seconds=1_700_000_000, nanos=-1),
    Timestamp(seconds=253_402_300_800),  # year 10000
    Timestamp(seconds=-62_135_596_801),  # before year 1
    Timestamp(seconds=2**63 - 1),
]


@pytest.mark.parametrize("bad", BAD_TIMES, ids=["nanos-1", "year10000", "year0", "int64max"])
async def test_invalid_timestamps_are_invalid_argument(env, catalog, db, bad):
    w = await _world(catalog)
    p, o, s = w["product"], w["offer"], w["store"]
    cases = [
        (
            env.pricing.GetPriceHistory,
            pricing.GetPriceHistoryRequest(offer_id=o.id, start_time=bad),
            "start_time",
        ),
        (
            env.catalog.RecordProductEvents,
            api.RecordProductEventsRequest(
                events=[dict(product_id=p.id, kind=api.PRODUCT_EVENT_KIND_VIEW, occurred_time=bad)]
            ),
            "events[0].occurred_time",
        ),
        (
            env.catalog.UpsertOffers,
            api.UpsertOffersRequest(
                offers=[
                    dict(
                        product_id=p.id,
                        store_id=s.id,
                        external_id=unique(),
                        price=brl(100),
                        observed_time=bad,
                    )
                ]
            ),
            "offers[0].observed_time",
        ),
        (
            env.pricing.CreatePriceAlert,
            pricing.CreatePriceAlertRequest(
                alert=dict(
                    user_id="u",
                    product_id=p.id,
                    kind="ALERT_KIND_ANY_CHANGE",
                    expire_time=bad,
                )
            ),
            "alert.expire_time",
        ),
        (
            env.pricing.ListPriceDrops,
            pricing.ListPriceDropsRequest(changed_after=bad),
            "changed_after",
        ),
        (
            env.admin.CreateApiKey,
            admin.CreateApiKeyRequest(
                api_key=dict(name="k", scopes=["SCOPE_READ"], expire_time=bad)
            ),
            "api_key.expire_time",
        ),
        (
            env.catalog.CreateProduct,  # even an output-only field: never a valid time
            api.CreateProductRequest(
                product=dict(slug=unique("p"), name="n", category_id=1, create_time=bad)
            ),
            "product.create_time",
        ),
    ]
    before = await table_counts(db, "offers", "price_alerts", "api_keys", "products")
    for call, request, field in cases:
        err = await expect_error(call(request), INVALID)
        assert field in violated_fields(err), (field, violated_fields(err))
    assert await table_counts(db, "offers", "price_alerts", "api_keys", "products") == before


async def test_invalid_durations_are_invalid_argument(env):
    err = await expect_error(
        env.catalog.GetProduct(
            api.GetProductRequest(id=1, max_staleness=dict(seconds=1, nanos=-1))
        ),
        INVALID,
    )
    assert violated_fields(err) == {"max_staleness"}
    err = await expect_error(
        _first(
            env.pricing.StreamTriggeredAlerts(
                pricing.StreamTriggeredAlertsRequest(
                    consumer_group="g", consumer="c", ack_timeout=dict(seconds=-(2**40))
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {"ack_timeout"}


async def _first(stream: Any) -> Any:
    async for item in stream:
        return item
    return None


# -- RecordPriceBatch: a bad observation is rejected alone -----------------------


async def test_bad_observations_are_rejected_alone_and_the_batch_goes_on(env, catalog, db):
    w = await _world(catalog)
    offer, store = w["offer"], w["store"]
    good = dict(offer_id=offer.id, price=brl(9000), in_stock=True, observed_time=ts(NOW))
    response = await env.pricing.RecordPriceBatch(
        pricing.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex,
            observations=[
                dict(good, observed_time=Timestamp(seconds=1_700_000_000, nanos=-1)),
                dict(good, observed_time=Timestamp(seconds=2**62)),
                dict(
                    store_id=store.id,
                    external_id="SKU\x00-1",
                    price=brl(9000),
                    observed_time=ts(NOW),
                ),
                # Item 7: price 5,000 with an "original" price of 100.
                dict(good, price=brl(5000), original_price=brl(100)),
                dict(good, original_price=dict(currency_code="USD", amount_minor=20_000)),
                good,
            ],
        )
    )
    assert [r.reason for r in response.results] == [
        "INVALID_TIMESTAMP",
        "INVALID_TIMESTAMP",
        "INVALID_EXTERNAL_ID",
        "INVALID_ORIGINAL_PRICE",
        "CURRENCY_MISMATCH",
        "",
    ]
    assert all(r.outcome == REJECTED and r.detail for r in response.results[:-1])
    assert (response.accepted_count, response.rejected_count) == (1, 5)
    prices = await db.fetch(
        "SELECT price_minor FROM price_points WHERE offer_id = $1 ORDER BY valid_from", offer.id
    )
    assert [r["price_minor"] for r in prices] == [10_000, 9000]
    stats = await env.pricing.GetPriceStats(
        pricing.GetPriceStatsRequest(product_id=offer.product_id)
    )
    assert stats.lowest_ever.price_minor == 9000, "a rejected observation is never the lowest"


async def test_a_streamed_batch_with_bad_observations_goes_on(env, catalog):
    w = await _world(catalog)
    offer = w["offer"]

    async def batches():
        yield pricing.RecordPricesRequest(
            batch_id=uuid.uuid4().hex,
            observations=[
                dict(offer_id=offer.id, price=brl(9500), observed_time=Timestamp(nanos=-5)),
                dict(offer_id=offer.id, price=brl(9500), observed_time=ts(NOW)),
            ],
        )

    response = await env.pricing.RecordPrices(batches())
    assert (response.accepted_count, response.rejected_count) == (1, 1)
    assert response.batches[0].results[0].reason == "INVALID_TIMESTAMP"


async def test_times_older_than_the_history_kept_are_refused_not_failed(template_db):
    """With a retention shorter than the year observations may go back,
    the retired months have no partition: an observation there is TOO_OLD
    (alone in its batch), an offer's observed time INVALID_ARGUMENT."""
    async with own_server(template_db) as e:
        w = await _world(e.catalog)
        await e.admin.MaintainPartitions(
            admin.MaintainPartitionsRequest(retention_months=2, mode=admin.RETENTION_MODE_DETACH)
        )
        old = ts(NOW - dt.timedelta(days=120))
        response = await e.pricing.RecordPriceBatch(
            pricing.RecordPriceBatchRequest(
                batch_id=uuid.uuid4().hex,
                observations=[
                    dict(offer_id=w["offer"].id, price=brl(9000), observed_time=old),
                    dict(offer_id=w["offer"].id, price=brl(9000), observed_time=ts(NOW)),
                ],
            )
        )
        assert [r.reason for r in response.results] == ["TOO_OLD", ""]
        err = await expect_error(
            e.catalog.UpsertOffers(
                api.UpsertOffersRequest(
                    offers=[
                        dict(
                            product_id=w["product"].id,
                            store_id=w["store"].id,
                            external_id=unique(),
                            price=brl(100),
                            observed_time=old,
                        )
                    ]
                )
            ),
            INVALID,
        )
        assert violated_fields(err) == {"offers[0].observed_time"}


async def test_one_rule_for_original_prices(env, catalog):
    w = await _world(catalog)
    p, s = w["product"], w["store"]
    err = await expect_error(
        env.catalog.UpsertOffers(
            api.UpsertOffersRequest(
                offers=[
                    dict(
                        product_id=p.id,
                        store_id=s.id,
                        external_id=unique(),
                        price=brl(5000),
                        original_price=brl(100),
                    )
                ]
            )
        ),
        INVALID,
    )
    (violation,) = details(err)["BadRequest"].field_violations
    assert violation.field == "offers[0].original_price.amount_minor"
    response = await env.pricing.RecordPriceBatch(
        pricing.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex,
            observations=[
                dict(
                    offer_id=w["offer"].id,
                    price=brl(5000),
                    original_price=brl(100),
                    observed_time=ts(NOW),
                )
            ],
        )
    )
    (result,) = response.results
    assert result.reason == "INVALID_ORIGINAL_PRICE"
    assert violation.description in result.detail, "the same rule, in the same words"


# -- 2. NUL in text ----------------------------------------------------------------


def _nul_cases(w: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    p, s, c = w["product"], w["store"], w["category"]
    product = dict(slug=unique("p"), name="Nome", category_id=c.id)
    offer = dict(product_id=p.id, store_id=s.id, external_id=unique(), price=brl(100))
    return [
        (
            "catalog",
            "AddFavorite",
            api.AddFavoriteRequest(user_id="a\x00b", product_id=p.id),
            "user_id",
        ),
        (
            "catalog",
            "CreateProduct",
            api.CreateProductRequest(product=dict(product, name="a\x00")),
            "product.name",
        ),
        (
            "catalog",
            "CreateProduct",
            api.CreateProductRequest(product=dict(product, description="\x00")),
            "product.description",
        ),
        (
            "catalog",
            "CreateProduct",
            api.CreateProductRequest(product=dict(product, brand="b\x00")),
            "product.brand",
        ),
        (
            "catalog",
            "CreateProduct",
            api.CreateProductRequest(product=dict(product, attributes={"cor": "a\x00"})),
            "product.attributes['cor']",
        ),
        (
            "catalog",
            "UpdateProduct",
            api.UpdateProductRequest(product=dict(id=p.id, name="x\x00")),
            "product.name",
        ),
        (
            "catalog",
            "CreateCategory",
            api.CreateCategoryRequest(category=dict(slug=unique("c"), name="\x00")),
            "category.name",
        ),
        (
            "catalog",
            "CreateStore",
            api.CreateStoreRequest(
                store=dict(slug=unique("s"), name="n\x00", country_code="BR", currency_code="BRL")
            ),
            "store.name",
        ),
        (
            "catalog",
            "CreateStore",
            api.CreateStoreRequest(
                store=dict(
                    slug=unique("s"),
                    name="n",
                    country_code="BR",
                    currency_code="BRL",
                    url="https://x.com/\x00",
                )
            ),
            "store.url",
        ),
        (
            "catalog",
            "UpsertOffers",
            api.UpsertOffersRequest(offers=[dict(offer, external_id="e\x00")]),
            "offers[0].external_id",
        ),
        (
            "catalog",
            "UpsertOffers",
            api.UpsertOffersRequest(offers=[dict(offer, url="https://x.com/\x00")]),
            "offers[0].url",
        ),
        (
            "pricing",
            "RecordPriceBatch",
            pricing.RecordPriceBatchRequest(batch_id="b\x00", observations=[dict(offer_id=1)]),
            "batch_id",
        ),
        (
            "pricing",
            "CreatePriceAlert",
            pricing.CreatePriceAlertRequest(
                alert=dict(user_id="\x00", product_id=p.id, kind="ALERT_KIND_ANY_CHANGE")
            ),
            "alert.user_id",
        ),
        (
            "admin",
            "CreateApiKey",
            admin.CreateApiKeyRequest(api_key=dict(name="k\x00", scopes=["SCOPE_READ"])),
            "api_key.name",
        ),
        ("admin", "RevokeApiKey", admin.RevokeApiKeyRequest(id="\x00"), "id"),
        (
            "catalog",
            "ListProducts",
            api.ListProductsRequest(filter=dict(brands=["a\x00"])),
            "filter.brands[0]",
        ),
        (
            "search",
            "SearchProducts",
            search.SearchProductsRequest(query="tv", filter=dict(brands=["a\x00"])),
            "filter.brands[0]",
        ),
        ("catalog", "ListFavorites", api.ListFavoritesRequest(user_id="\x00"), "user_id"),
    ]


async def test_nul_in_any_text_field_is_invalid_argument_and_writes_nothing(env, catalog, db):
    w = await _world(catalog)
    tables = ("products", "categories", "stores", "offers", "favorites", "price_alerts", "api_keys")
    before = await table_counts(db, *tables)
    stubs = {
        "catalog": env.catalog,
        "pricing": env.pricing,
        "admin": env.admin,
        "search": env.search,
    }
    for service, method, request, field in _nul_cases(w):
        err = await expect_error(getattr(stubs[service], method)(request), INVALID)
        assert field in violated_fields(err), (method, field, violated_fields(err))
    assert await table_counts(db, *tables) == before


async def test_other_values_no_field_takes(env):
    cases = [
        (env.catalog.ListProducts(api.ListProductsRequest(order_by=99)), "order_by"),
        (
            env.catalog.CreateProduct(
                api.CreateProductRequest(
                    product=dict(slug=unique("p"), name="n", category_id=1, rating=float("nan"))
                )
            ),
            "product.rating",
        ),
        (
            env.search.SearchProducts(
                search.SearchProductsRequest(query="tv", filter=dict(min_rating=float("inf")))
            ),
            "filter.min_rating",
        ),
        (
            env.catalog.DeleteProduct(api.DeleteProductRequest(id=1, etag='"' + "9" * 40 + '"')),
            "etag",
        ),
    ]
    for call, field in cases:
        err = await expect_error(call, INVALID)
        assert field in violated_fields(err)


# -- 3. page tokens ----------------------------------------------------------------


def _forgeries(token: str) -> list[str]:
    """Tokens a client could make from a genuine one, or from nothing."""
    body, _, mac = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    out = []
    for cursor in ([2**63, 2**63], ["x", "y"], [1e300, 1], [1], payload["c"][:-1], "x"):
        forged = dict(payload, c=cursor)
        b = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        out += [f"{b}.{mac}", b]  # with the genuine MAC, and unsigned (the old format)
    return [*out, token[:-2], token + "A", "garbage", "a.b.c"]


async def test_forged_page_tokens_are_invalid_argument_in_every_list(env, catalog):
    """ListProducts, ListOffers, ListStores, ListFavorites, ListPriceDrops,
    ListPriceAlerts, ListApiKeys: a genuine token works, nothing else does."""
    w = await _world(catalog)
    p, c = w["product"], w["category"]
    user = unique("u")
    for _ in range(2):
        extra = await make_product(catalog, c.id)
        await make_offer(catalog, p.id, (await make_store(catalog)).id, 20_000)
        await catalog.AddFavorite(api.AddFavoriteRequest(user_id=user, product_id=extra.id))
        await env.pricing.CreatePriceAlert(
            pricing.CreatePriceAlertRequest(
                alert=dict(user_id=user, product_id=extra.id, kind="ALERT_KIND_ANY_CHANGE")
            )
        )
        await env.admin.CreateApiKey(
            admin.CreateApiKeyRequest(api_key=dict(name="k", scopes=["SCOPE_READ"]))
        )
    # Two price drops in a category of their own, for the deals feed.
    drops = await make_category(catalog)
    for _ in range(2):
        dropped = await make_product(catalog, drops.id)
        offer = await make_offer(
            catalog, dropped.id, w["store"].id, 10_000, observed=ts(NOW - dt.timedelta(days=1))
        )
        await env.pricing.RecordPriceBatch(
            pricing.RecordPriceBatchRequest(
                batch_id=uuid.uuid4().hex,
                observations=[dict(offer_id=offer.id, price=brl(7000), observed_time=ts(NOW))],
            )
        )
    lists = [
        (
            env.pricing.ListPriceDrops,
            pricing.ListPriceDropsRequest(category_id=drops.id, page_size=1),
        ),
        (catalog.ListProducts, api.ListProductsRequest(page_size=1)),
        (catalog.ListOffers, api.ListOffersRequest(product_id=p.id, page_size=1)),
        (catalog.ListStores, api.ListStoresRequest(page_size=1)),
        (catalog.ListFavorites, api.ListFavoritesRequest(user_id=user, page_size=1)),
        (env.pricing.ListPriceAlerts, pricing.ListPriceAlertsRequest(user_id=user, page_size=1)),
        (env.admin.ListApiKeys, admin.ListApiKeysRequest(page_size=1)),
    ]
    for call, request in lists:
        first = await call(request)
        assert first.next_page_token, type(request).__name__
        request.page_token = first.next_page_token
        await call(request)  # the genuine token works
        for forged in _forgeries(first.next_page_token):
            request.page_token = forged
            err = await expect_error(call(request), INVALID)
            assert violated_fields(err) == {"page_token"}, (type(request).__name__, forged)


async def test_a_token_of_one_list_is_not_a_token_of_another(env, catalog):
    await make_store(catalog)
    await make_store(catalog)
    stores = await catalog.ListStores(api.ListStoresRequest(page_size=1))
    err = await expect_error(
        env.admin.ListApiKeys(admin.ListApiKeysRequest(page_token=stores.next_page_token)),
        INVALID,
    )
    assert violated_fields(err) == {"page_token"}


# -- 4. malformed protobuf ---------------------------------------------------------


async def test_malformed_requests_are_invalid_argument_with_a_throttled_log(env, caplog):
    get_product = env.channel.unary_unary("/vitrine.catalog.v1.CatalogService/GetProduct")
    # Field 2 (show_deleted) ... then a length far past the end; a string with
    # a lone surrogate (invalid UTF-8) in AddFavorite's user_id.
    add_favorite = env.channel.unary_unary("/vitrine.catalog.v1.CatalogService/AddFavorite")
    caplog.set_level(logging.WARNING, logger="vitrine.rpc")
    for _ in range(25):
        for call, data in (
            (get_product, b"\x0a\xff\xff\xff\xff\x0f"),
            (get_product, b"\x00\x01"),
            (add_favorite, b"\x0a\x03\xed\xa0\x80\x10\x01"),
        ):
            err = await expect_error(call(data), INVALID)
            assert details(err)["ErrorInfo"].reason == "MALFORMED_REQUEST"
    lines = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(lines) <= 1, "75 malformed calls: at most one log line (one per 10 s)"
    assert all(r.exc_info is None for r in lines), "no traceback"


async def test_a_malformed_message_in_a_client_stream(env, catalog):
    w = await _world(catalog)
    valid = pricing.RecordPricesRequest(
        batch_id=uuid.uuid4().hex,
        observations=[dict(offer_id=w["offer"].id, price=brl(9100), observed_time=ts(NOW))],
    ).SerializeToString()
    record_prices = env.channel.stream_unary("/vitrine.pricing.v1.PricingService/RecordPrices")
    err = await expect_error(record_prices(iter([valid, b"\x0a\x02\xff\xfe"])), INVALID)
    assert details(err)["ErrorInfo"].reason == "MALFORMED_REQUEST"


# -- 5. errors stay small ----------------------------------------------------------


def _violations_total(err: grpc.aio.AioRpcError) -> int:
    info = details(err)["ErrorInfo"]
    return int(info.metadata.get("violations", len(details(err)["BadRequest"].field_violations)))


async def test_errors_are_never_bigger_than_a_few_kb(env, catalog):
    w = await _world(catalog)
    p, s = w["product"], w["store"]
    bad_offer = dict(product_id=0, store_id=0, external_id="", price=brl(0), url="ftp://x")
    cases = [
        (catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=[0] * 1000)), 1000),
        (catalog.UpsertOffers(api.UpsertOffersRequest(offers=[bad_offer] * 1000)), 5999),
        (catalog.ListProducts(api.ListProductsRequest(filter=dict(store_ids=[0] * 600))), 1),
        (
            catalog.CheckFavorites(api.CheckFavoritesRequest(user_id="u", product_ids=[-1] * 1000)),
            1000,
        ),
        (
            env.search.SearchProducts(
                search.SearchProductsRequest(query="tv", filter=dict(brands=[""] * 100_000))
            ),
            1,
        ),
        (
            env.search.SearchProducts(
                search.SearchProductsRequest(query="tv", filter=dict(brands=[""] * 101))
            ),
            1,
        ),
        (env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id="🙂" * 60_000)), 1),
        (env.admin.ExplainStatement(admin.ExplainStatementRequest(statement="🙂" * 10_000)), None),
        (
            catalog.UpdateProduct(
                api.UpdateProductRequest(
                    product=dict(id=p.id), update_mask=dict(paths=["x" * 60_000] * 5)
                )
            ),
            5,
        ),
        (
            catalog.UpsertOffers(
                api.UpsertOffersRequest(
                    offers=[
                        dict(
                            product_id=p.id,
                            store_id=s.id,
                            external_id=unique(),
                            price=brl(1),
                            url="h" * 60_000,
                        )
                    ]
                )
            ),
            1,
        ),
    ]
    for call, violations in cases:
        try:
            await call
        except grpc.aio.AioRpcError as err:
            assert err.code() in (INVALID, grpc.StatusCode.NOT_FOUND), err.code()
            assert error_bytes(err) <= MAX_ERROR_BYTES, error_bytes(err)
            if violations is not None:
                assert len(details(err)["BadRequest"].field_violations) <= 20
                assert _violations_total(err) == violations
        else:
            raise AssertionError("expected an error")


def test_the_status_of_a_huge_error_is_small():
    from vitrine_server import errors
    from vitrine_server.rpc.status import to_status

    v = errors.Violations()
    for i in range(100_000):
        v.add(f"items[{i}].{'f' * 500}", "🙂" * 1000)
    status = to_status(errors.InvalidArgument(v.items, total=v.total), "req-1")
    ((_, packed),) = status.trailing_metadata
    decoded = status_pb2.Status.FromString(packed)
    bad = error_details_pb2.BadRequest()
    decoded.details[1].Unpack(bad)
    assert len(packed) + len(status.details) <= MAX_ERROR_BYTES
    assert 1 <= len(bad.field_violations) <= errors.MAX_VIOLATIONS
    assert status.details.startswith("invalid request (100,000 problems): items[0]")
