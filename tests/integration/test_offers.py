"""Offers: the comparison view, batch upserts, best offer and history kept right."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    brl,
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


def _ts(when: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


async def test_list_offers_in_comparison_order_with_pages(catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id)
    stores = [await make_store(catalog) for _ in range(5)]
    prices = [(3000, True), (1000, False), (2000, True), (2000, True), (5000, False)]
    for store, (price, stock) in zip(stores, prices, strict=True):
        await make_offer(catalog, product.id, store.id, price, in_stock=stock)
    request = api.ListOffersRequest(product_id=product.id, page_size=2)
    seen = []
    while True:
        response = await catalog.ListOffers(request)
        seen += [(o.price.amount_minor, o.in_stock) for o in response.offers]
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    assert seen == [(2000, True), (2000, True), (3000, True), (1000, False), (5000, False)]
    only = await catalog.ListOffers(
        api.ListOffersRequest(product_id=product.id, in_stock_only=True)
    )
    assert [o.in_stock for o in only.offers] == [True, True, True]


async def test_list_offers_errors(catalog):
    await expect_error(
        catalog.ListOffers(api.ListOffersRequest(product_id=987_654_321)), grpc.StatusCode.NOT_FOUND
    )
    err = await expect_error(catalog.ListOffers(api.ListOffersRequest(product_id=0)), INVALID)
    assert violated_fields(err) == {"product_id"}
    await expect_error(
        catalog.ListOffers(api.ListOffersRequest(product_id=1, page_size=1000)), INVALID
    )
    await expect_error(
        catalog.ListOffers(api.ListOffersRequest(product_id=1, page_token="x")), INVALID
    )


async def test_upsert_creates_then_updates_by_store_and_external_id(catalog, db):
    category = await make_category(catalog)
    store = await make_store(catalog)
    product = await make_product(catalog, category.id)
    sku = unique("sku")
    first = await make_offer(catalog, product.id, store.id, 10000, external_id=sku)
    second = await make_offer(catalog, product.id, store.id, 9000, external_id=sku, original=12000)
    assert first.id == second.id
    assert second.price.amount_minor == 9000 and second.discount_bps == 2500
    got = (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product
    assert got.best_offer.price.amount_minor == 9000 and got.best_offer.offer_count == 1
    # Every change of price is a change point in the history.
    points = await db.fetch(
        "SELECT price_minor FROM price_points WHERE offer_id = $1 ORDER BY valid_from", first.id
    )
    assert [p["price_minor"] for p in points] == [10000, 9000]
    # The same price again only extends last_seen: no new change point.
    await make_offer(catalog, product.id, store.id, 9000, external_id=sku, original=12000)
    assert await db.fetchval("SELECT count(*) FROM price_points WHERE offer_id = $1", first.id) == 2


async def test_an_older_observation_does_not_overwrite_the_current_price(catalog):
    category = await make_category(catalog)
    store = await make_store(catalog)
    product = await make_product(catalog, category.id)
    sku = unique("sku")
    await make_offer(catalog, product.id, store.id, 7000, external_id=sku)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    response = await catalog.UpsertOffers(
        api.UpsertOffersRequest(
            offers=[
                dict(
                    product_id=product.id,
                    store_id=store.id,
                    external_id=sku,
                    price=brl(9999),
                    in_stock=True,
                    observed_time=_ts(old),
                )
            ]
        )
    )
    assert response.offers[0].price.amount_minor == 7000


async def test_moving_an_offer_refreshes_both_products(catalog):
    category = await make_category(catalog)
    store = await make_store(catalog)
    a = await make_product(catalog, category.id)
    b = await make_product(catalog, category.id)
    sku = unique("sku")
    await make_offer(catalog, a.id, store.id, 5000, external_id=sku)
    await make_offer(catalog, b.id, store.id, 5000, external_id=sku)
    got_a = (await catalog.GetProduct(api.GetProductRequest(id=a.id))).product
    got_b = (await catalog.GetProduct(api.GetProductRequest(id=b.id))).product
    assert not got_a.HasField("best_offer")
    assert got_b.best_offer.price.amount_minor == 5000


async def test_upsert_batch_is_all_or_nothing(catalog, db):
    category = await make_category(catalog)
    store = await make_store(catalog)
    usd_store = await make_store(catalog, currency="USD")
    product = await make_product(catalog, category.id)
    before = await table_counts(db, "offers", "price_points")
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    good = dict(
        product_id=product.id,
        store_id=store.id,
        external_id=unique(),
        price=brl(1000),
        in_stock=True,
    )
    err = await expect_error(
        catalog.UpsertOffers(
            api.UpsertOffersRequest(
                offers=[
                    good,
                    dict(product_id=product.id, store_id=store.id, external_id="", price=brl(0)),
                    dict(
                        product_id=987_654_321,
                        store_id=store.id,
                        external_id=unique(),
                        price=brl(10),
                    ),
                    dict(
                        product_id=product.id,
                        store_id=usd_store.id,
                        external_id=unique(),
                        price=brl(10),
                    ),
                    dict(
                        product_id=product.id,
                        store_id=store.id,
                        external_id=unique(),
                        price=brl(10),
                        original_price=brl(5),
                    ),
                    dict(
                        product_id=product.id,
                        store_id=store.id,
                        external_id=unique(),
                        price=brl(10),
                        observed_time=_ts(future),
                    ),
                    dict(good),
                ]
            )
        ),
        INVALID,
    )
    fields = violated_fields(err)
    assert {
        "offers[1].external_id",
        "offers[1].price.amount_minor",
        "offers[4].original_price.amount_minor",
        "offers[5].observed_time",
        "offers[6].external_id",
    } <= fields
    assert await table_counts(db, "offers", "price_points") == before
    # References are checked once the shape is right.
    err = await expect_error(
        catalog.UpsertOffers(
            api.UpsertOffersRequest(
                offers=[
                    good,
                    dict(
                        product_id=987_654_321,
                        store_id=store.id,
                        external_id=unique(),
                        price=brl(10),
                    ),
                    dict(
                        product_id=product.id,
                        store_id=usd_store.id,
                        external_id=unique(),
                        price=brl(10),
                    ),
                    dict(
                        product_id=product.id,
                        store_id=987_654_321,
                        external_id=unique(),
                        price=brl(10),
                    ),
                ]
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "offers[1].product_id",
        "offers[2].price.currency_code",
        "offers[3].store_id",
    }
    assert await table_counts(db, "offers", "price_points") == before


async def test_upsert_batch_limits(catalog):
    err = await expect_error(catalog.UpsertOffers(api.UpsertOffersRequest()), INVALID)
    assert violated_fields(err) == {"offers"}
    many = [dict(product_id=1, store_id=1, external_id=str(i), price=brl(1)) for i in range(1001)]
    await expect_error(catalog.UpsertOffers(api.UpsertOffersRequest(offers=many)), INVALID)


async def test_upsert_a_batch_of_many_products(catalog, db):
    category = await make_category(catalog)
    stores = [await make_store(catalog) for _ in range(3)]
    products = [await make_product(catalog, category.id) for _ in range(30)]
    offers = [
        dict(
            product_id=p.id,
            store_id=s.id,
            external_id=f"{p.id}-{s.id}",
            price=brl(1000 + 10 * i + j),
            in_stock=True,
        )
        for i, p in enumerate(products)
        for j, s in enumerate(stores)
    ]
    response = await catalog.UpsertOffers(api.UpsertOffersRequest(offers=offers))
    assert [o.external_id for o in response.offers] == [o["external_id"] for o in offers]
    batch = await catalog.BatchGetProducts(
        api.BatchGetProductsRequest(ids=[p.id for p in products])
    )
    for i, p in enumerate(batch.products):
        assert p.best_offer.price.amount_minor == 1000 + 10 * i
        assert p.best_offer.store_id == stores[0].id and p.best_offer.offer_count == 3
