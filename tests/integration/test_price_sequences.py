"""Ingestion against brute-force models, on random batches: duplicates,
same-instant corrections and out-of-order observations, within a batch and
across batches; and the best-price history against the offers' histories.

The change-point model: an offer's history is the list of instants it was
seen at, each with a price; a change point starts where the price differs
from the one seen before, and keeps its first and last sighting (the
sightings in between are not stored). A batch adds its observations to
the stored first and last sightings; at one instant the later report wins
(an observation over a stored one, and over an earlier one of its batch).
An observation is CHANGED when the price in effect just before it (in
time, then batch order) differs, or there was none.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import catalog_service_pb2 as catalog_api
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from tests.support import (
    brl,
    make_category,
    make_offer,
    make_product,
    make_store,
    price_point_months_drift,
)

CHANGED, UNCHANGED = obs.OBSERVATION_OUTCOME_CHANGED, obs.OBSERVATION_OUTCOME_UNCHANGED
BASE = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(second=0, microsecond=0)
# 20 minutes before the start of last month (UTC): batches straddle a month
# edge, so price_point_months (migrations/0014) gets points moved and split
# across two of its rows.
_THIS_MONTH = dt.datetime.now(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
EDGE = (_THIS_MONTH - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(minutes=20)
# (price, original price, in stock): few values, so repeats are common.
VALUES = [(100, None, True), (100, None, False), (120, None, True), (120, 150, True)]

Value = tuple[int, int | None, bool]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ts(when: dt.datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(when)
    return t


@dataclass
class Run:
    start: dt.datetime
    last: dt.datetime
    value: Value


def model_apply(
    runs: list[Run], observations: list[tuple[int, dt.datetime, Value]]
) -> tuple[list[Run], dict[int, bool]]:
    """The whole history again from its sightings: (runs, changed by index)."""
    sightings: list[tuple[dt.datetime, int, Value, int | None]] = []
    for r in runs:
        sightings.append((r.start, 1, r.value, None))
        if r.last > r.start:
            sightings.append((r.last, 0, r.value, None))
    sightings += [(at, 2 + i, v, i) for i, at, v in observations]
    sightings.sort(key=lambda s: (s[0], s[1]))
    changed: dict[int, bool] = {}
    before: Value | None = None
    for _at, _rank, v, i in sightings:
        if i is not None:
            changed[i] = v != before
        before = v
    out: list[Run] = []
    for k, (at, _rank, v, _i) in enumerate(sightings):
        if k + 1 < len(sightings) and sightings[k + 1][0] == at:
            continue  # a later report of the same instant wins
        if out and out[-1].value == v:
            out[-1].last = at
        else:
            out.append(Run(at, at, v))
    return out, changed


async def _stored(db, offer_id: int) -> list[Run]:
    rows = await db.fetch(
        "SELECT valid_from, last_seen_at, price_minor, original_price_minor, in_stock"
        " FROM price_points WHERE offer_id = $1 ORDER BY valid_from",
        offer_id,
    )
    return [
        Run(
            r["valid_from"],
            r["last_seen_at"],
            (r["price_minor"], r["original_price_minor"], r["in_stock"]),
        )
        for r in rows
    ]


def _observation(offer_id: int, at: dt.datetime, v: Value) -> dict:
    o = dict(offer_id=offer_id, price=brl(v[0]), in_stock=v[2], observed_time=ts(at))
    if v[1] is not None:
        o["original_price"] = brl(v[1])
    return o


async def _product(env, offers: int, first: dt.datetime) -> tuple[int, list[int]]:
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id)
    ids = []
    for _ in range(offers):
        store = await make_store(env.catalog)
        offer = await make_offer(env.catalog, product.id, store.id, 100, observed=ts(first))
        ids.append(offer.id)
    return product.id, ids


async def _history(env, offer_id: int, start: dt.datetime, end: dt.datetime) -> list[Run]:
    """GetPriceHistory's raw points as runs (their last sightings unknown)."""
    response = await env.pricing.GetPriceHistory(
        api.GetPriceHistoryRequest(offer_id=offer_id, start_time=ts(start), end_time=ts(end))
    )
    c = response.series[0].points
    return [
        Run(at, at, (price, original or None, in_stock))
        for at, price, original, in_stock in zip(
            [
                dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=t)
                for t in c.time_unix_micros
            ],
            c.price_minor,
            c.original_price_minor,
            c.in_stock,
            strict=True,
        )
    ]


@pytest.mark.parametrize("base", [BASE, EDGE], ids=["recent", "month_edge"])
@pytest.mark.parametrize("seed", range(6))
async def test_random_batches_match_the_model(env, db, seed: int, base: dt.datetime) -> None:
    rng = random.Random(seed)
    _product_id, offer_ids = await _product(env, 2, base)
    model = {o: [Run(base, base, (100, None, True))] for o in offer_ids}
    observed = {o: base for o in offer_ids}
    for _ in range(12):
        # Instants on a coarse grid (so batches repeat them), in any order.
        batch = [
            (rng.choice(offer_ids), base + dt.timedelta(minutes=rng.randint(-5, 40)))
            for _ in range(rng.randint(1, 8))
        ]
        values = [rng.choice(VALUES) for _ in batch]
        response = await env.pricing.RecordPriceBatch(
            api.RecordPriceBatchRequest(
                batch_id=uuid.uuid4().hex,
                observations=[
                    _observation(o, at, v) for (o, at), v in zip(batch, values, strict=True)
                ],
            )
        )
        for offer_id in offer_ids:
            mine = [(i, at, values[i]) for i, (o, at) in enumerate(batch) if o == offer_id]
            model[offer_id], changed = model_apply(model[offer_id], mine)
            for i, was_changed in changed.items():
                assert response.results[i].outcome == (CHANGED if was_changed else UNCHANGED)
            observed[offer_id] = max([observed[offer_id], *(at for _, at, _ in mine)])
            assert await _stored(db, offer_id) == model[offer_id]
            # GetPriceHistory (price_point_months) says the same: all of it,
            # and from an instant inside the history (the point in effect
            # clamped to it) to one inside.
            runs = model[offer_id]
            assert await _history(env, offer_id, base - dt.timedelta(hours=1), _now()) == [
                Run(r.start, r.start, r.value) for r in runs
            ]
            cut = base + dt.timedelta(minutes=rng.randint(-5, 40), seconds=30)
            until = cut + dt.timedelta(minutes=rng.randint(1, 30))
            before = [r for r in runs if r.start < cut]
            want = [Run(cut, cut, before[-1].value)] if before else []
            want += [Run(r.start, r.start, r.value) for r in runs if cut <= r.start < until]
            assert await _history(env, offer_id, cut, until) == want
            # The current price is the latest change point, never an older one.
            row = await db.fetchrow(
                "SELECT price_minor, original_price_minor, in_stock, price_since, observed_at"
                " FROM offers WHERE id = $1",
                offer_id,
            )
            latest = model[offer_id][-1]
            assert (row["price_minor"], row["original_price_minor"], row["in_stock"]) == (
                latest.value
            )
            assert (row["price_since"], row["observed_at"]) == (latest.start, observed[offer_id])
        assert await price_point_months_drift(db, offer_ids) == 0


async def test_a_long_month_is_kept_in_chunks(env, db) -> None:
    """A month of hundreds of changes is packed in chunks (migrations/0019):
    a scraper's passes append to the last chunk, then start new ones; a late
    observation inside the month packs it into one row again. The history
    read across chunks is the model's, and the read model never drifts."""
    rng = random.Random(7)
    base = (_now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
    if base.month != (base + dt.timedelta(minutes=200)).month:
        base -= dt.timedelta(hours=4)  # keep the 200 minutes in one month
    _product_id, (offer_id,) = await _product(env, 1, base)
    model = [Run(base, base, (100, None, True))]
    price = 1_000
    for minute in range(1, 161):  # one pass a minute, every one a change
        price += rng.randint(1, 9) * rng.choice((-1, 1))
        at = base + dt.timedelta(minutes=minute)
        await env.pricing.RecordPriceBatch(
            api.RecordPriceBatchRequest(
                batch_id=uuid.uuid4().hex,
                observations=[_observation(offer_id, at, (price, None, True))],
            )
        )
        model, _ = model_apply(model, [(0, at, (price, None, True))])
    chunks = await db.fetchval(
        "SELECT count(*) FROM price_point_months WHERE offer_id = $1", offer_id
    )
    assert chunks >= 161 // 64 + 1
    assert await price_point_months_drift(db, [offer_id]) == 0
    end = base + dt.timedelta(hours=4)
    assert await _history(env, offer_id, base, end) == [
        Run(r.start, r.start, r.value) for r in model
    ]
    # From inside the third chunk: the point in effect, clamped to the start.
    cut = base + dt.timedelta(minutes=140, seconds=30)
    before = [r for r in model if r.start < cut]
    assert await _history(env, offer_id, cut, end) == [Run(cut, cut, before[-1].value)] + [
        Run(r.start, r.start, r.value) for r in model if r.start >= cut
    ]

    late = base + dt.timedelta(minutes=70, seconds=30)
    await env.pricing.RecordPriceBatch(
        api.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex, observations=[_observation(offer_id, late, (7, None, True))]
        )
    )
    model, _ = model_apply(model, [(0, late, (7, None, True))])
    assert await _stored(db, offer_id) == model
    assert await price_point_months_drift(db, [offer_id]) == 0
    assert await _history(env, offer_id, base, end) == [
        Run(r.start, r.start, r.value) for r in model
    ]


async def test_within_a_batch_duplicates_and_disorder(env, db) -> None:
    _product_id, (offer_id,) = await _product(env, 1, BASE)
    m = dt.timedelta(minutes=1)
    response = await env.pricing.RecordPriceBatch(
        api.RecordPriceBatchRequest(
            batch_id=uuid.uuid4().hex,
            observations=[
                _observation(offer_id, BASE + 3 * m, VALUES[2]),
                _observation(offer_id, BASE + m, VALUES[0]),
                _observation(offer_id, BASE + 2 * m, VALUES[2]),
                _observation(offer_id, BASE + 2 * m, VALUES[1]),
                _observation(offer_id, BASE + 2 * m, VALUES[1]),
            ],
        )
    )
    # In time order: at 1' the stored 100 again (unchanged); at 2' 120
    # (changed), then 100 out of stock (changed, and the instant's last
    # report wins), then the same again (unchanged); at 3' 120 (changed).
    assert [r.outcome for r in response.results] == [
        CHANGED,
        UNCHANGED,
        CHANGED,
        CHANGED,
        UNCHANGED,
    ]
    assert [(r.start, r.last, r.value) for r in await _stored(db, offer_id)] == [
        (BASE, BASE + m, VALUES[0]),
        (BASE + 2 * m, BASE + 2 * m, VALUES[1]),
        (BASE + 3 * m, BASE + 3 * m, VALUES[2]),
    ]


def best_price_brute_force(
    histories: dict[int, list[tuple[dt.datetime, int, bool]]],
) -> list[tuple[dt.datetime, int]]:
    """At every instant any offer changed: each offer's point in effect
    (scanning its whole history), the cheapest in stock, else the cheapest,
    ties to the lower offer id; a point wherever that price changes."""
    out: list[tuple[dt.datetime, int]] = []
    for t in sorted({at for h in histories.values() for at, _, _ in h}):
        state = []
        for offer_id, h in histories.items():
            current = None
            for at, price, in_stock in h:
                if at <= t:
                    current = (not in_stock, price, offer_id)
            if current is not None:
                state.append(current)
        price = min(state)[1]
        if not out or out[-1][1] != price:
            out.append((t, price))
    return out


@pytest.mark.parametrize("seed", range(6))
async def test_best_price_history_follows_the_offers_histories(env, db, seed: int) -> None:
    rng = random.Random(1000 + seed)
    product_id, offer_ids = await _product(env, 3, BASE - dt.timedelta(hours=1))
    offers = (
        await env.catalog.ListOffers(catalog_api.ListOffersRequest(product_id=product_id))
    ).offers
    by_id = {o.id: o for o in offers}
    newest = BASE
    for step in range(10):
        if step % 4 == 3:
            # A catalog upsert (a current price, seen now-ish) takes the other path.
            newest += dt.timedelta(minutes=rng.randint(1, 5))
            o = by_id[rng.choice(offer_ids)]
            price, _, in_stock = rng.choice(VALUES)
            await env.catalog.UpsertOffers(
                catalog_api.UpsertOffersRequest(
                    offers=[
                        dict(
                            product_id=product_id,
                            store_id=o.store_id,
                            external_id=o.external_id,
                            url=o.url,
                            price=brl(price),
                            in_stock=in_stock,
                            observed_time=ts(newest + dt.timedelta(minutes=60)),
                        )
                    ]
                )
            )
            newest += dt.timedelta(minutes=60)
        else:
            # Late and in-order observations alike.
            batch = [
                _observation(
                    rng.choice(offer_ids),
                    BASE + dt.timedelta(minutes=rng.randint(0, 90)),
                    rng.choice(VALUES),
                )
                for _ in range(rng.randint(1, 6))
            ]
            await env.pricing.RecordPriceBatch(
                api.RecordPriceBatchRequest(batch_id=uuid.uuid4().hex, observations=batch)
            )
        histories = {
            offer_id: [(r.start, r.value[0], r.value[2]) for r in await _stored(db, offer_id)]
            for offer_id in offer_ids
        }
        rows = await db.fetch(
            "SELECT valid_from, price_minor FROM best_price_points"
            " WHERE product_id = $1 ORDER BY valid_from",
            product_id,
        )
        assert [(r["valid_from"], r["price_minor"]) for r in rows] == best_price_brute_force(
            histories
        )
