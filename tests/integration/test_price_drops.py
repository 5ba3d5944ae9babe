"""ListPriceDrops: the deals feed, through a real channel."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
from vitrine.pricing.v1 import pricing_service_pb2 as api

from tests.integration.test_pricing_ingestion import NOW, seen, ts
from tests.support import (
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    violated_fields,
)


async def _dropped(env, category_id: int, store_id: int, before: int, after: int) -> int:
    product = await make_product(env.catalog, category_id)
    offer = await make_offer(
        env.catalog, product.id, store_id, before, observed=ts(NOW - dt.timedelta(days=1))
    )
    await env.pricing.RecordPriceBatch(
        api.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex, observations=[seen(offer.id, after, NOW)]
        )
    )
    return product.id


async def test_deals_feed_filters_and_pages(env):
    root = await make_category(env.catalog)
    child = await make_category(env.catalog, parent_id=root.id)
    store, other = await make_store(env.catalog), await make_store(env.catalog)
    p30 = await _dropped(env, child.id, store.id, 10000, 7000)  # -30%
    p20 = await _dropped(env, root.id, other.id, 10000, 8000)  # -20%
    p5 = await _dropped(env, child.id, store.id, 10000, 9500)  # -5%
    await _dropped(env, child.id, store.id, 10000, 12000)  # a rise: never a deal

    request = api.ListPriceDropsRequest(category_id=root.id, min_drop_bps=1000, page_size=1)
    seen_ids = []
    while True:
        response = await env.pricing.ListPriceDrops(request)
        seen_ids += [
            (d.product.id, d.drop_bps, d.previous_price_minor, d.current_price_minor)
            for d in response.drops
        ]
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    assert seen_ids == [(p30, 3000, 10000, 7000), (p20, 2000, 10000, 8000)]

    everything = await env.pricing.ListPriceDrops(
        api.ListPriceDropsRequest(category_id=root.id, min_drop_bps=1)
    )
    assert [d.product.id for d in everything.drops] == [p30, p20, p5]
    by_store = await env.pricing.ListPriceDrops(
        api.ListPriceDropsRequest(category_id=root.id, store_ids=[other.id], min_drop_bps=1)
    )
    assert [d.product.id for d in by_store.drops] == [p20]
    later = await env.pricing.ListPriceDrops(
        api.ListPriceDropsRequest(category_id=root.id, changed_after=ts(NOW + dt.timedelta(days=1)))
    )
    assert not later.drops


async def test_deals_feed_errors(env):
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    err = await expect_error(
        env.pricing.ListPriceDrops(
            api.ListPriceDropsRequest(min_drop_bps=20000, category_id=-1, store_ids=[0])
        ),
        invalid,
    )
    assert violated_fields(err) == {"min_drop_bps", "category_id", "store_ids[0]"}
    await expect_error(
        env.pricing.ListPriceDrops(api.ListPriceDropsRequest(page_size=501)), invalid
    )
    await expect_error(
        env.pricing.ListPriceDrops(api.ListPriceDropsRequest(page_token="nope")), invalid
    )


async def test_deals_against_the_30_day_average(env, db):
    category = await make_category(env.catalog)
    store = await make_store(env.catalog)
    product = await make_product(env.catalog, category.id)
    offer = await make_offer(
        env.catalog, product.id, store.id, 10000, observed=ts(NOW - dt.timedelta(days=1))
    )
    # Its best price has been 10000 for 20 days (as the service saw it)...
    await db.execute(
        "UPDATE best_price_points SET valid_from = now() - interval '20 days'"
        " WHERE product_id = $1",
        product.id,
    )
    # ...and now falls to 8000: 20% below its 30-day average.
    await env.pricing.RecordPriceBatch(
        api.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex, observations=[seen(offer.id, 8000, NOW)]
        )
    )
    response = await env.pricing.ListPriceDrops(
        api.ListPriceDropsRequest(
            category_id=category.id, basis=api.DROP_BASIS_RECENT_AVERAGE, min_drop_bps=1000
        )
    )
    (drop,) = response.drops
    assert drop.product.id == product.id
    assert drop.previous_price_minor == 10000 and drop.current_price_minor == 8000
    assert drop.drop_bps == 2000

    # Time passes: the hourly refresh lets the old price weigh less.
    from vitrine_server.pricing.drops import refresh_averages

    await db.execute(
        "UPDATE best_price_points SET valid_from = valid_from - interval '5 days'"
        " WHERE product_id = $1 AND price_minor = 8000",
        product.id,
    )
    async with db.acquire() as conn:
        await refresh_averages(conn)
    average = await db.fetchval(
        "SELECT avg_30d_price_minor FROM products WHERE id = $1", product.id
    )
    assert 8000 < average < 10000
    err = await expect_error(
        env.pricing.ListPriceDrops(api.ListPriceDropsRequest(basis=7)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == {"basis"}
