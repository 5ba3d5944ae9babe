"""Price ingestion: idempotent batches, change points, out-of-order
observations, per-observation rejections, partitions at month edges."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import catalog_service_pb2 as catalog_api
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from tests.support import (
    brl,
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    violated_fields,
)

CHANGED, UNCHANGED, REJECTED = (
    obs.OBSERVATION_OUTCOME_CHANGED,
    obs.OBSERVATION_OUTCOME_UNCHANGED,
    obs.OBSERVATION_OUTCOME_REJECTED,
)
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def ts(when: dt.datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(when)
    return t


def seen(offer_id: int, price: int, at: dt.datetime, *, in_stock: bool = True, **kw) -> dict:
    return dict(offer_id=offer_id, price=brl(price), in_stock=in_stock, observed_time=ts(at), **kw)


def batch(*observations: dict, batch_id: str | None = None) -> api.RecordPriceBatchRequest:
    return api.RecordPriceBatchRequest(
        batch_id=batch_id or uuid.uuid4().hex, observations=list(observations)
    )


async def _offer(catalog, price: int = 10000):
    """An offer first seen a day ago at `price`."""
    category = await make_category(catalog)
    store = await make_store(catalog)
    product = await make_product(catalog, category.id)
    offer = await make_offer(
        catalog, product.id, store.id, price, observed=ts(NOW - dt.timedelta(days=1))
    )
    return product, store, offer


async def _history(db, offer_id: int) -> list[tuple[int, dt.datetime]]:
    rows = await db.fetch(
        "SELECT price_minor, valid_from FROM price_points WHERE offer_id = $1 ORDER BY valid_from",
        offer_id,
    )
    return [(r["price_minor"], r["valid_from"]) for r in rows]


async def test_change_points_current_price_and_best_offer(env, catalog, db):
    product, _store, offer = await _offer(catalog, 10000)
    await catalog.GetProduct(catalog_api.GetProductRequest(id=product.id))  # cached
    t = NOW - dt.timedelta(hours=1)
    response = await env.pricing.RecordPriceBatch(
        batch(
            seen(offer.id, 9000, t),
            seen(offer.id, 9000, t + dt.timedelta(minutes=10)),
            seen(offer.id, 8500, t + dt.timedelta(minutes=20)),
        )
    )
    assert [r.outcome for r in response.results] == [CHANGED, UNCHANGED, CHANGED]
    assert (response.accepted_count, response.rejected_count, response.replayed) == (3, 0, False)
    prices = [p for p, _ in await _history(db, offer.id)]
    assert prices == [10000, 9000, 8500]  # storage grows with changes, not sightings
    got = (await catalog.GetProduct(catalog_api.GetProductRequest(id=product.id))).product
    assert got.best_offer.price.amount_minor == 8500  # and the cache was invalidated


async def test_offer_by_store_and_external_id(env, catalog):
    _product, store, offer = await _offer(catalog)
    response = await env.pricing.RecordPriceBatch(
        batch(
            dict(
                store_id=store.id,
                external_id=offer.external_id,
                price=brl(7777),
                in_stock=True,
                observed_time=ts(NOW),
            )
        )
    )
    assert response.results[0].outcome == CHANGED
    assert response.results[0].offer_id == offer.id


async def test_a_retried_batch_changes_nothing_and_says_so(env, catalog, db):
    _product, _store, offer = await _offer(catalog)
    request = batch(seen(offer.id, 5000, NOW), seen(987_654_321, 1, NOW))
    first = await env.pricing.RecordPriceBatch(request)
    before = await _history(db, offer.id)
    again = await env.pricing.RecordPriceBatch(request)
    assert again.replayed and not first.replayed
    assert list(again.results) == list(first.results)
    assert await _history(db, offer.id) == before


async def test_concurrent_duplicates_record_once(env, catalog, db):
    _product, _store, offer = await _offer(catalog)
    request = batch(seen(offer.id, 4321, NOW))
    answers = await asyncio.gather(*(env.pricing.RecordPriceBatch(request) for _ in range(5)))
    assert sorted(a.replayed for a in answers) == [False, True, True, True, True]
    assert [p for p, _ in await _history(db, offer.id)] == [10000, 4321]


async def test_bad_observations_are_rejected_alone(env, catalog, db):
    _product, store, offer = await _offer(catalog)
    usd = dict(currency_code="USD", amount_minor=100)
    response = await env.pricing.RecordPriceBatch(
        batch(
            seen(987_654_321, 100, NOW),
            seen(offer.id, -5, NOW),
            seen(offer.id, 10**12, NOW),
            dict(offer_id=offer.id, price=usd, observed_time=ts(NOW)),
            seen(offer.id, 100, NOW + dt.timedelta(hours=2)),
            dict(offer_id=offer.id, price=brl(100)),
            seen(offer.id, 100, NOW - dt.timedelta(days=400)),
            seen(offer.id, 100, NOW, original_price=usd),
            dict(store_id=store.id, price=brl(100), observed_time=ts(NOW)),
            seen(offer.id, 6000, NOW),
        )
    )
    reasons = [r.reason for r in response.results]
    assert reasons == [
        "UNKNOWN_OFFER",
        "INVALID_PRICE",
        "INVALID_PRICE",
        "CURRENCY_MISMATCH",
        "FUTURE_TIMESTAMP",
        "MISSING_TIMESTAMP",
        "TOO_OLD",
        "CURRENCY_MISMATCH",
        "UNKNOWN_OFFER",
        "",
    ]
    assert all(r.outcome == REJECTED and r.detail for r in response.results[:-1])
    assert response.results[-1].outcome == CHANGED
    assert (response.accepted_count, response.rejected_count) == (1, 9)
    assert [p for p, _ in await _history(db, offer.id)] == [10000, 6000]


async def test_bad_batches(env):
    err = await expect_error(
        env.pricing.RecordPriceBatch(api.RecordPriceBatchRequest(batch_id="")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == {"batch_id", "observations"}
    too_many = [seen(1, 1, NOW)] * 10_001
    await expect_error(
        env.pricing.RecordPriceBatch(batch(*too_many)), grpc.StatusCode.INVALID_ARGUMENT
    )
    await expect_error(
        env.pricing.RecordPriceBatch(batch(seen(1, 1, NOW), batch_id="x" * 129)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_late_observations_land_at_their_time(env, catalog, db):
    product, _store, offer = await _offer(catalog)
    t0 = NOW - dt.timedelta(hours=6)
    h = dt.timedelta(hours=1)
    await env.pricing.RecordPriceBatch(
        batch(seen(offer.id, 100, t0), seen(offer.id, 300, t0 + 4 * h))
    )
    # Late: 300 was already in effect at t0+2h -> its change point moves back.
    await env.pricing.RecordPriceBatch(batch(seen(offer.id, 300, t0 + 2 * h)))
    history = await _history(db, offer.id)
    assert [(p, at) for p, at in history if at >= t0] == [(100, t0), (300, t0 + 2 * h)]
    # Late and different: a new change point at its time; the current price
    # (the newest observation) is not overwritten.
    await env.pricing.RecordPriceBatch(batch(seen(offer.id, 200, t0 + h)))
    history = await _history(db, offer.id)
    assert [(p, at) for p, at in history if at >= t0] == [
        (100, t0),
        (200, t0 + h),
        (300, t0 + 2 * h),
    ]
    got = (await catalog.GetProduct(catalog_api.GetProductRequest(id=product.id))).product
    assert got.best_offer.price.amount_minor == 300


async def test_a_late_change_inside_a_run_splits_it(env, catalog, db):
    product, _store, offer = await _offer(catalog)
    t0 = NOW - dt.timedelta(hours=6)
    h = dt.timedelta(hours=1)
    await env.pricing.RecordPriceBatch(
        batch(seen(offer.id, 100, t0), seen(offer.id, 100, t0 + 2 * h))
    )
    await env.pricing.RecordPriceBatch(batch(seen(offer.id, 150, t0 + h)))
    history = await _history(db, offer.id)
    # 100 until t0+1h, 150 from then, and 100 again by t0+2h, when it was seen.
    assert [(p, at) for p, at in history if at >= t0] == [
        (100, t0),
        (150, t0 + h),
        (100, t0 + 2 * h),
    ]
    got = (await catalog.ListOffers(catalog_api.ListOffersRequest(product_id=product.id))).offers[0]
    assert got.price.amount_minor == 100


async def test_observations_at_a_month_edge_land_in_their_partitions(env, catalog, db):
    _product, _store, offer = await _offer(catalog)
    first_of_month = NOW.replace(day=1, hour=0, minute=0, second=0)
    before = first_of_month - dt.timedelta(microseconds=1)
    await env.pricing.RecordPriceBatch(
        batch(seen(offer.id, 111, before), seen(offer.id, 222, first_of_month))
    )
    rows = await db.fetch(
        "SELECT price_minor, tableoid::regclass::text AS part FROM price_points "
        "WHERE offer_id = $1 AND price_minor IN (111, 222) ORDER BY valid_from",
        offer.id,
    )
    assert [(r["price_minor"], r["part"]) for r in rows] == [
        (111, f"price_points_{before:%Y_%m}"),
        (222, f"price_points_{first_of_month:%Y_%m}"),
    ]


async def test_streamed_batches_commit_one_by_one_and_replay(env, catalog, db):
    _product, _store, offer = await _offer(catalog)
    ids = [uuid.uuid4().hex for _ in range(3)]

    def feed():
        for n, batch_id in enumerate(ids):
            yield api.RecordPricesRequest(
                batch_id=batch_id,
                observations=[seen(offer.id, 1000 + n, NOW - dt.timedelta(minutes=10 - n))],
            )

    first = await env.pricing.RecordPrices(feed())
    assert [b.replayed for b in first.batches] == [False, False, False]
    assert first.accepted_count == 3
    again = await env.pricing.RecordPrices(feed())
    assert [b.replayed for b in again.batches] == [True, True, True]
    assert [p for p, _ in await _history(db, offer.id)] == [10000, 1000, 1001, 1002]


async def test_a_bad_batch_in_a_stream_is_refused_and_the_good_ones_before_it_stay(
    env, catalog, db
):
    _product, _store, offer = await _offer(catalog)

    def feed():
        yield api.RecordPricesRequest(
            batch_id=uuid.uuid4().hex, observations=[seen(offer.id, 3333, NOW)]
        )
        yield api.RecordPricesRequest(batch_id="", observations=[seen(offer.id, 4444, NOW)])

    err = await expect_error(env.pricing.RecordPrices(feed()), grpc.StatusCode.INVALID_ARGUMENT)
    assert violated_fields(err) == {"batch_id"}
    # The first batch was committed as it arrived: sending the stream again replays it.
    assert [p for p, _ in await _history(db, offer.id)] == [10000, 3333]
