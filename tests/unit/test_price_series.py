"""Step-semantics buckets, best price and windows against brute force on random data."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from vitrine_server.pricing import series as s

T0 = datetime(2026, 1, 30, 22, 0, tzinfo=UTC)  # crosses a month edge within days


def price_at(points: list[s.Point], t: datetime) -> s.Point | None:
    """Brute force: scan every point."""
    found = None
    for p in points:
        if p.at <= t:
            found = p
    return found


def random_points(
    rng: random.Random, n: int, span_minutes: int, offer_id: int = 0, step: int = 1
) -> list[s.Point]:
    minutes = sorted(rng.sample(range(0, span_minutes, step), n))
    return [
        s.Point(
            T0 + timedelta(minutes=m),
            rng.randint(90, 110) * 100,
            None,
            rng.random() > 0.2,
            offer_id,
        )
        for m in minutes
    ]


@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
@pytest.mark.parametrize("seed", range(8))
def test_buckets_match_brute_force(unit: str, seed: int) -> None:
    rng = random.Random(seed)
    span = {"hour": 600, "day": 9000, "week": 40000, "month": 130000}[unit]
    # Points sit on whole `step` minutes, so sampling every `step` is exact.
    step = 1 if unit in ("hour", "day") else 60
    points = random_points(rng, rng.randint(1, 60), span, step=step)
    start = T0 + timedelta(minutes=step * rng.randint(-200 // step - 1, span // 2 // step))
    end = start + timedelta(minutes=step * rng.randint(1, span // step))
    buckets = s.bucketize(s.in_range(points, start, end), start, end, unit)
    # Brute force: sample every minute of the range (points sit on minutes).
    expected: dict[datetime, list[s.Point]] = {}
    t = start
    while t < end:
        p = price_at(points, t)
        if p is not None:
            expected.setdefault(s.truncate(t, unit), []).append(p)
        t += timedelta(minutes=step)
    assert [b.start for b in buckets] == sorted(expected)
    for b in buckets:
        seen = expected[b.start]
        assert (b.open, b.low, b.high, b.close, b.in_stock) == (
            seen[0].price,
            min(p.price for p in seen),
            max(p.price for p in seen),
            seen[-1].price,
            seen[-1].in_stock,
        )


def test_a_bucket_without_changes_carries_the_price() -> None:
    points = [
        s.Point(T0, 500, None, True),
        s.Point(T0 + timedelta(hours=5, minutes=30), 400, None, True),
    ]
    buckets = s.bucketize(points, T0, T0 + timedelta(hours=7), "hour")
    assert [(b.open, b.low, b.high, b.close) for b in buckets] == [(500, 500, 500, 500)] * 5 + [
        (500, 400, 500, 400),
        (400, 400, 400, 400),
    ]


@pytest.mark.parametrize("seed", range(10))
def test_best_price_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    offers = [random_points(rng, rng.randint(1, 20), 3000, offer_id=i + 1) for i in range(4)]
    best = s.best_price(offers)
    for minute in range(0, 3000, 7):
        t = T0 + timedelta(minutes=minute)
        current = [p for o in offers if (p := price_at(o, t)) is not None]
        got = price_at(best, t)
        if not current:
            assert got is None
            continue
        pool = [p for p in current if p.in_stock] or current
        want = min(pool, key=lambda p: (p.price, p.offer_id))
        assert got is not None and (got.price, got.offer_id) == (want.price, want.offer_id)


def test_window_minimum_and_time_weighted_average() -> None:
    points = [s.Point(T0, 100, None, True), s.Point(T0 + timedelta(hours=3), 200, None, True)]
    low, average = s.window(points, T0 + timedelta(hours=1), T0 + timedelta(hours=5))  # type: ignore[misc]
    assert (low, average) == (100, 150)  # 2 h at 100, 2 h at 200
    assert s.window(points, T0 - timedelta(hours=2), T0) is None


def test_month_and_week_boundaries() -> None:
    assert s.advance(datetime(2026, 12, 1, tzinfo=UTC), "month") == datetime(2027, 1, 1, tzinfo=UTC)
    assert s.truncate(datetime(2026, 11, 22, 13, tzinfo=UTC), "week") == datetime(
        2026, 11, 16, tzinfo=UTC
    )


@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
@pytest.mark.parametrize("seed", range(8))
def test_column_buckets_match_object_buckets(unit: str, seed: int) -> None:
    rng = random.Random(100 + seed)
    span = {"hour": 600, "day": 9000, "week": 40000, "month": 130000}[unit]
    points = random_points(rng, rng.randint(1, 80), span)
    start = T0 + timedelta(minutes=rng.randint(-300, span // 2))
    end = start + timedelta(minutes=rng.randint(1, span))
    inside = s.in_range(points, start, end)
    want = s.bucketize(inside, start, end, unit)
    got = s.bucketize_columns(
        [s.micros(p.at) for p in inside],
        [p.price for p in inside],
        [p.in_stock for p in inside],
        s.micros(start),
        s.micros(end),
        s.boundaries_us(start, end, unit),
    )
    assert got.start == [s.micros(b.start) for b in want]
    assert list(zip(got.open, got.low, got.high, got.close, got.in_stock, strict=True)) == [
        (b.open, b.low, b.high, b.close, b.in_stock) for b in want
    ]


def _packed(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(8, "big", signed=True) for v in values)


@pytest.mark.parametrize("seed", range(12))
def test_packed_columns_in_range_match_in_range(seed: int) -> None:
    """columns_in_range() over price_point_months' packing is in_range()."""
    rng = random.Random(300 + seed)
    points = [
        s.Point(p.at, p.price, rng.choice([None, p.price + 500]), p.in_stock)
        for p in random_points(rng, rng.randint(0, 40), 3000)
    ]
    start = T0 + timedelta(minutes=rng.randint(-100, 2000))
    end = start + timedelta(minutes=rng.randint(1, 3000))
    if rng.random() < 0.3:  # ranges starting or ending on a point's instant
        start = rng.choice(points).at if points else start
        end = start + timedelta(minutes=rng.randint(1, 3000))
    got = s.columns_in_range(
        _packed([s.micros(p.at) for p in points]),
        _packed([p.price for p in points]),
        _packed([p.original or 0 for p in points]),
        bytes(p.in_stock for p in points),
        s.micros(start),
        s.micros(end),
    )
    want = s.in_range(points, start, end)
    assert list(got.times) == [s.micros(p.at) for p in want]
    assert list(got.prices) == [p.price for p in want]
    assert list(got.originals) == [p.original or 0 for p in want]
    assert got.in_stock == [p.in_stock for p in want]
    assert all(type(x) is bool for x in got.in_stock)


@pytest.mark.parametrize("unit", ["hour", "day"])
@pytest.mark.parametrize("seed", range(6))
def test_column_buckets_match_object_buckets_dense_and_sparse(unit: str, seed: int) -> None:
    """Many points per bucket (runs reduced by slices), points on bucket
    edges, and long stretches without a change (buckets filled in bulk)."""
    rng = random.Random(200 + seed)
    span = {"hour": 900, "day": 20000}[unit]
    points = random_points(rng, rng.randint(1, min(400, span // 3)), span // 3) + [
        s.Point(T0 + timedelta(minutes=m), rng.randint(90, 110) * 100, None, rng.random() > 0.5)
        for m in sorted(rng.sample(range(span // 3, span, 60), 3))
    ]
    start = T0 + timedelta(minutes=rng.choice([-120, 0, rng.randint(-300, span // 2)]))
    end = start + timedelta(minutes=rng.randint(1, span))
    inside = s.in_range(points, start, end)
    want = s.bucketize(inside, start, end, unit)
    got = s.bucketize_columns(
        [s.micros(p.at) for p in inside],
        [p.price for p in inside],
        [p.in_stock for p in inside],
        s.micros(start),
        s.micros(end),
        s.boundaries_us(start, end, unit),
    )
    assert got.start == [s.micros(b.start) for b in want]
    assert list(zip(got.open, got.low, got.high, got.close, got.in_stock, strict=True)) == [
        (b.open, b.low, b.high, b.close, b.in_stock) for b in want
    ]
