"""Protobuf's shared value types from Python values, in one place for every
slice: timestamps, durations and money on the way out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.type.v1 import money_pb2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def timestamp(value: datetime | None) -> Timestamp | None:
    """An aware datetime (as asyncpg reads timestamptz) as a Timestamp."""
    # Integer arithmetic on the timedelta: exact, and several times cheaper
    # than Timestamp.FromDatetime (pure Python) on this hot path.
    if value is None:
        return None
    micros = (value - _EPOCH) // _MICROSECOND
    return Timestamp(seconds=micros // 1_000_000, nanos=micros % 1_000_000 * 1000)


def money(amount: int | None, currency: str) -> money_pb2.Money | None:
    if amount is None:
        return None
    return money_pb2.Money(currency_code=currency, amount_minor=amount)


def seconds(value: float) -> Duration:
    """A duration in seconds (a latency, an uptime) as a Duration."""
    d = Duration()
    d.FromNanoseconds(int(value * 1e9))
    return d


def milliseconds(value: float) -> Duration:
    """A duration in milliseconds (as pg_stat_statements counts) as a Duration."""
    d = Duration()
    d.FromNanoseconds(int(value * 1_000_000))
    return d
