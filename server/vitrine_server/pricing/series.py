"""Price series with step semantics, as pure functions (no I/O).

A series is a list of change points sorted by time: from a point's time
until the next point, its price was in effect. Everything here follows from
that: the price at an instant, buckets (open, low, high, close), a
product's best price over time, and time-weighted window statistics.
"""

from __future__ import annotations

import bisect
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    price: int
    original: int | None
    in_stock: bool
    offer_id: int = 0


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    open: int
    low: int
    high: int
    close: int
    in_stock: bool


GRANULARITIES = ("hour", "day", "week", "month")


def truncate(at: datetime, unit: str) -> datetime:
    """The start (UTC) of the hour/day/ISO week/month holding `at`."""
    at = at.astimezone(UTC)
    if unit == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    raise ValueError(unit)


def advance(at: datetime, unit: str) -> datetime:
    if unit == "hour":
        return at + timedelta(hours=1)
    if unit == "day":
        return at + timedelta(days=1)
    if unit == "week":
        return at + timedelta(weeks=1)
    if unit == "month":
        return at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1)
    raise ValueError(unit)


def bucket_count(start: datetime, end: datetime, unit: str) -> int:
    """How many buckets [start, end) spans (an upper bound for months)."""
    span = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 28 * 86400}[unit]
    return int((end - truncate(start, unit)).total_seconds() // span) + 1


def in_range(points: Sequence[Point], start: datetime, end: datetime) -> list[Point]:
    """The points of [start, end): the one in effect at `start` (its time
    clamped to `start`), then every point inside."""
    times = [p.at for p in points]
    first_inside = bisect.bisect_left(times, start)
    out: list[Point] = []
    if first_inside > 0:
        p = points[first_inside - 1]
        out.append(Point(start, p.price, p.original, p.in_stock, p.offer_id))
    last = bisect.bisect_left(times, end)
    out.extend(points[first_inside:last])
    return out


def bucketize(points: Sequence[Point], start: datetime, end: datetime, unit: str) -> list[Bucket]:
    """Buckets of [start, end) with step semantics, from in_range() points.

    Each bucket covers the instants of its span that fall inside the range.
    Its open is the price in effect at its first instant, low/high span
    every price in effect during it, close is the price in effect at its
    end. Buckets before the first price are left out; a bucket without a
    change carries the price in effect."""
    buckets: list[Bucket] = []
    i = 0
    current: Point | None = None
    bucket_start = truncate(start, unit)
    while bucket_start < end:
        bucket_end = advance(bucket_start, unit)
        first = max(bucket_start, start)
        while i < len(points) and points[i].at <= first:
            current = points[i]
            i += 1
        prices = [current.price] if current is not None else []
        opened = current
        while i < len(points) and points[i].at < min(bucket_end, end):
            current = points[i]
            prices.append(current.price)
            i += 1
        if current is not None:
            buckets.append(
                Bucket(
                    bucket_start,
                    opened.price if opened is not None else prices[0],
                    min(prices),
                    max(prices),
                    current.price,
                    current.in_stock,
                )
            )
        bucket_start = bucket_end
    return buckets


def best_price(series: Iterable[Sequence[Point]]) -> list[Point]:
    """A product's best price over time from its offers' series: at each
    instant the cheapest in-stock offer (the cheapest offer when none is in
    stock), ties to the lower offer id. A point whenever that changes."""
    events = sorted((p for s in series for p in s), key=lambda p: (p.at, p.offer_id))
    state: dict[int, Point] = {}
    out: list[Point] = []
    i = 0
    while i < len(events):
        at = events[i].at
        while i < len(events) and events[i].at == at:
            state[events[i].offer_id] = events[i]
            i += 1
        pool = [p for p in state.values() if p.in_stock] or list(state.values())
        best = min(pool, key=lambda p: (p.price, p.offer_id))
        if not out or (out[-1].price, out[-1].in_stock, out[-1].offer_id) != (
            best.price,
            best.in_stock,
            best.offer_id,
        ):
            out.append(Point(at, best.price, best.original, best.in_stock, best.offer_id))
    return out


def window(points: Sequence[Point], start: datetime, end: datetime) -> tuple[int, int] | None:
    """(minimum, time-weighted average) of the price over [start, end), or
    None when no price was in effect in it."""
    inside = in_range(points, start, end)
    if not inside:
        return None
    weighted = 0.0
    seconds = 0.0
    for p, nxt in zip(inside, [*inside[1:], None], strict=True):
        span = ((nxt.at if nxt else end) - p.at).total_seconds()
        weighted += p.price * span
        seconds += span
    average = round(weighted / seconds) if seconds else inside[-1].price
    return min(p.price for p in inside), average


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    return (at - _EPOCH) // _US


def _int64s(packed: bytes) -> array[int]:
    """Concatenated int8send() values (8-byte big-endian) as an array, in one copy."""
    values = array("q", packed)
    if sys.byteorder == "little":
        values.byteswap()
    return values


@dataclass(slots=True)
class Columns:
    """Change points as columns: times in microseconds since the epoch,
    original 0 for none."""

    times: list[int]
    prices: list[int]
    originals: list[int]
    in_stock: list[bool]


def columns_in_range(
    times: bytes, prices: bytes, originals: bytes, stock: bytes, start_us: int, end_us: int
) -> Columns:
    """The in_range() points of [start, end) from packed columns (as
    price_point_months holds them: big-endian int64s, one byte of stock per
    point) covering at least the point in effect at start and everything up
    to end, in time order: the point in effect at start (its time clamped
    to start), then every point inside. Each column is unpacked in one
    pass in C (arrays, then lists: bucketing reads the prices many times,
    and a list hands out its ints without boxing them again)."""
    all_times = _int64s(times)
    inside = bisect.bisect_left(all_times, start_us)
    stop = bisect.bisect_left(all_times, end_us, inside)
    first = inside - 1 if inside > 0 else inside
    out = all_times[first:stop]
    if first < inside:
        out[0] = start_us
    return Columns(
        out.tolist(),
        _int64s(prices[first * 8 : stop * 8]).tolist(),
        _int64s(originals[first * 8 : stop * 8]).tolist(),
        list(map(bool, stock[first:stop])),
    )


def boundaries_us(start: datetime, end: datetime, unit: str) -> list[int]:
    """Bucket starts from the one holding `start`, then the first start >= `end`."""
    width = {"hour": 3600, "day": 86400, "week": 7 * 86400}.get(unit)
    if width is not None:  # fixed widths: plain arithmetic
        first, step, stop = micros(truncate(start, unit)), width * 1_000_000, micros(end)
        last = first + -(-(stop - first) // step) * step
        return list(range(first, last + 1, step))
    out = []
    at = truncate(start, unit)
    while at < end:
        out.append(micros(at))
        at = advance(at, unit)
    out.append(micros(at))
    return out


@dataclass(slots=True)
class BucketColumns:
    start: list[int]
    open: list[int]
    low: list[int]
    high: list[int]
    close: list[int]
    in_stock: list[bool]


def bucketize_columns(
    times: Sequence[int],
    prices: Sequence[int],
    stock: Sequence[bool],
    start_us: int,
    end_us: int,
    bounds: Sequence[int],
) -> BucketColumns:
    """bucketize() over columns (microsecond times, from in_range-like data:
    the first point clamped to the range start), with no object per point:
    the same step semantics, several times cheaper for long ranges."""
    out = BucketColumns([], [], [], [], [], [])
    n = len(times)
    i = 0
    price: int | None = None
    in_stock = False
    for k in range(len(bounds) - 1):
        first = bounds[k] if bounds[k] > start_us else start_us
        stop = bounds[k + 1] if bounds[k + 1] < end_us else end_us
        while i < n and times[i] <= first:
            price, in_stock = prices[i], stock[i]
            i += 1
        opened = price
        low = high = price
        while i < n and times[i] < stop:
            price, in_stock = prices[i], stock[i]
            if low is None or price < low:
                low = price
            if high is None or price > high:
                high = price
            if opened is None:
                opened = price
            i += 1
        if price is None or opened is None or low is None or high is None:
            continue
        out.start.append(bounds[k])
        out.open.append(opened)
        out.low.append(low)
        out.high.append(high)
        out.close.append(price)
        out.in_stock.append(in_stock)
    return out
