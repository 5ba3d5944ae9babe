"""GetPriceHistory and GetPriceStats through a real channel."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
from vitrine.pricing.v1 import history_pb2 as hist
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

H = dt.timedelta(hours=1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def points(series) -> list[tuple[dt.datetime, int]]:
    cols = series.points
    return [
        (EPOCH + dt.timedelta(microseconds=t), p)
        for t, p in zip(cols.time_unix_micros, cols.price_minor, strict=True)
    ]


def ohlc(series) -> list[tuple[int, int, int, int]]:
    b = series.buckets
    return list(zip(b.open_minor, b.low_minor, b.high_minor, b.close_minor, strict=True))


# 10:00 UTC two days ago: the six hours after it lie in one UTC day, as the
# daily buckets below expect (from 18:00 on, T0 + 6 h was the next day, and
# the last daily bucket held only the last price).
T0 = (NOW - dt.timedelta(days=2)).replace(hour=10, minute=0, second=0)


async def _product_with_two_offers(env):
    catalog = env.catalog
    category = await make_category(catalog)
    product = await make_product(catalog, category.id)
    a_store, b_store = await make_store(catalog), await make_store(catalog)
    first = ts(T0 - dt.timedelta(days=1))
    a = await make_offer(catalog, product.id, a_store.id, 1000, observed=first)
    b = await make_offer(catalog, product.id, b_store.id, 1200, observed=first)
    await env.pricing.RecordPriceBatch(
        api.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex,
            observations=[
                seen(a.id, 900, T0 + H),
                seen(b.id, 800, T0 + 2 * H),
                seen(b.id, 800, T0 + 3 * H, in_stock=False),
                seen(a.id, 950, T0 + 4 * H),
            ],
        )
    )
    return product, a, b


async def test_offer_history_raw_and_bucketed(env):
    _product, a, _b = await _product_with_two_offers(env)
    raw = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(offer_id=a.id, start_time=ts(T0), end_time=ts(T0 + 6 * H))
    )
    (series,) = raw.series
    assert (series.offer_id, series.currency_code) == (a.id, "BRL")
    assert points(series) == [
        (T0, 1000),
        (T0 + H, 900),
        (T0 + 4 * H, 950),  # the first: in effect at the start
    ]
    hourly = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(
            offer_id=a.id,
            start_time=ts(T0),
            end_time=ts(T0 + 6 * H),
            granularity=hist.GRANULARITY_HOUR,
        )
    )
    assert ohlc(hourly.series[0]) == [
        (1000, 1000, 1000, 1000),
        (900, 900, 900, 900),
        (900, 900, 900, 900),
        (900, 900, 900, 900),
        (950, 950, 950, 950),
        (950, 950, 950, 950),
    ]
    daily = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(
            offer_id=a.id,
            start_time=ts(T0 - dt.timedelta(days=1)),
            end_time=ts(T0 + 6 * H),
            granularity=hist.GRANULARITY_DAY,
        )
    )
    last = ohlc(daily.series[0])[-1]
    assert (last[1], last[3]) == (900, 950)


async def test_product_best_price_and_all_offers(env):
    product, a, b = await _product_with_two_offers(env)
    best = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(
            product_id=product.id, start_time=ts(T0), end_time=ts(T0 + 6 * H)
        )
    )
    # b at 800 is cheapest from T0+2h until it goes out of stock at T0+3h.
    assert points(best.series[0]) == [
        (T0, 1000),
        (T0 + H, 900),
        (T0 + 2 * H, 800),
        (T0 + 3 * H, 900),
        (T0 + 4 * H, 950),
    ]
    everything = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(
            product_id=product.id,
            series=api.PRODUCT_SERIES_ALL_OFFERS,
            start_time=ts(T0),
            end_time=ts(T0 + 6 * H),
        )
    )
    assert [x.offer_id for x in everything.series] == [a.id, b.id]


async def test_price_stats(env):
    product, a, b = await _product_with_two_offers(env)
    stats = await env.pricing.GetPriceStats(api.GetPriceStatsRequest(product_id=product.id))
    assert stats.current.price_minor == 950 and stats.current.offer_id == a.id
    assert (stats.lowest_ever.price_minor, stats.lowest_ever.offer_id) == (800, b.id)
    assert stats.highest_ever.price_minor == 1200
    assert stats.last_30_days.min_minor == 800
    assert 900 < stats.last_30_days.average_minor < 1000
    assert stats.last_30_days.current_vs_min_bps == round((950 - 800) * 10_000 / 800)


async def test_history_and_stats_errors(env):
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    err = await expect_error(env.pricing.GetPriceHistory(api.GetPriceHistoryRequest()), invalid)
    assert violated_fields(err) == {"offer_id"}
    await expect_error(
        env.pricing.GetPriceHistory(api.GetPriceHistoryRequest(offer_id=1, product_id=1)), invalid
    )
    err = await expect_error(
        env.pricing.GetPriceHistory(
            api.GetPriceHistoryRequest(offer_id=1, start_time=ts(NOW), end_time=ts(NOW - H))
        ),
        invalid,
    )
    assert violated_fields(err) == {"end_time"}
    err = await expect_error(
        env.pricing.GetPriceHistory(
            api.GetPriceHistoryRequest(
                offer_id=1,
                start_time=ts(NOW - dt.timedelta(days=700)),
                end_time=ts(NOW),
                granularity=hist.GRANULARITY_HOUR,
            )
        ),
        invalid,
    )
    assert violated_fields(err) == {"granularity"}
    await expect_error(
        env.pricing.GetPriceHistory(api.GetPriceHistoryRequest(offer_id=987_654_321)),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(
        env.pricing.GetPriceHistory(api.GetPriceHistoryRequest(product_id=987_654_321)),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(env.pricing.GetPriceStats(api.GetPriceStatsRequest()), invalid)
    await expect_error(
        env.pricing.GetPriceStats(api.GetPriceStatsRequest(product_id=987_654_321)),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_a_year_of_hourly_changes(env, db):
    """8,760 change points (written straight into the table) come back whole and in order."""
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id)
    store = await make_store(env.catalog)
    year_ago = (NOW - dt.timedelta(days=365)).replace(minute=0, second=0)
    offer = await make_offer(env.catalog, product.id, store.id, 5000)
    await db.execute(
        "INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,"
        " price_minor, in_stock)"
        " SELECT $1, $2, $3::timestamptz + n * interval '1 hour',"
        " $3::timestamptz + n * interval '1 hour', 'BRL',"
        " 5000 + (n % 2) * 100, true FROM generate_series(0, 8759) n",
        offer.id,
        product.id,
        year_ago,
    )
    raw = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(offer_id=offer.id, start_time=ts(year_ago), end_time=ts(NOW))
    )
    assert len(raw.series[0].points.price_minor) == 8760
    assert len(raw.series[0].points.time_unix_micros) == 8760
    daily = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(
            offer_id=offer.id,
            start_time=ts(year_ago),
            end_time=ts(NOW),
            granularity=hist.GRANULARITY_DAY,
        )
    )
    assert all((b[1], b[2]) == (5000, 5100) for b in ohlc(daily.series[0])[1:-2])
