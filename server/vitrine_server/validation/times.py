"""Timestamps and durations: valid on the wire, then sensible for the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from vitrine_server.errors import Violations

# google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
MIN_SECONDS = -62_135_596_800
MAX_SECONDS = 253_402_300_799
# google.protobuf.Duration's range: about +-10,000 years.
MAX_DURATION_SECONDS = 315_576_000_000
NANOS = 1_000_000_000
# How far ahead of this server's clock a caller's "now" may be.
CLOCK_SKEW = timedelta(seconds=60)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

TIMESTAMP_RULE = (
    "is not a valid timestamp: seconds must lie between 0001-01-01 and 9999-12-31 "
    "and nanos between 0 and 999,999,999"
)
DURATION_RULE = (
    "is not a valid duration: at most 315,576,000,000 seconds either way, "
    "nanos below 1,000,000,000 with the sign of the seconds"
)


def timestamp_problem(ts: Timestamp) -> str | None:
    if MIN_SECONDS <= ts.seconds <= MAX_SECONDS and 0 <= ts.nanos < NANOS:
        return None
    return TIMESTAMP_RULE


def duration_problem(d: Duration) -> str | None:
    s, n = d.seconds, d.nanos
    in_range = -MAX_DURATION_SECONDS <= s <= MAX_DURATION_SECONDS and -NANOS < n < NANOS
    same_sign = s * n >= 0  # nanos carry the sign of the seconds (either may be 0)
    return None if in_range and same_sign else DURATION_RULE


def to_datetime(ts: Timestamp) -> datetime:
    """A valid Timestamp (see timestamp_problem) as an aware UTC datetime,
    truncated to microseconds. Integer arithmetic: exact, and much cheaper
    than Timestamp.ToDatetime."""
    return _EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)


def micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND


def seconds(d: Duration) -> float:
    return d.seconds + d.nanos / NANOS


def timestamp(v: Violations, path: str, ts: Timestamp) -> datetime | None:
    """The timestamp as a datetime, or None (with a violation) if it is not valid."""
    problem = timestamp_problem(ts)
    if problem is not None:
        v.add(path, problem)
        return None
    return to_datetime(ts)


def past(v: Violations, path: str, ts: Timestamp, *, max_age: timedelta, now: datetime) -> datetime:
    """When something happened: valid, not in the future (beyond clock skew),
    at most `max_age` ago. Returns `now` when it is not (with a violation)."""
    problem = past_problem(ts, max_age=max_age, now=now)
    if problem is not None:
        v.add(path, problem[1])
        return now
    return to_datetime(ts)


def past_problem(ts: Timestamp, *, max_age: timedelta, now: datetime) -> tuple[str, str] | None:
    """(reason, description) when `ts` is not a time in [now - max_age, now + skew]."""
    if timestamp_problem(ts) is not None:
        return "INVALID_TIMESTAMP", TIMESTAMP_RULE
    at = to_datetime(ts)
    if at > now + CLOCK_SKEW:
        return "FUTURE_TIMESTAMP", f"{at.isoformat()} is in the future"
    if at < now - max_age:
        return "TOO_OLD", f"may be at most {max_age.days} days in the past"
    return None


def future(
    v: Violations, path: str, ts: Timestamp, *, now: datetime, max_ahead: timedelta
) -> datetime | None:
    """An expiry: valid, after `now`, at most `max_ahead` from now."""
    at = timestamp(v, path, ts)
    if at is None:
        return None
    if at <= now:
        v.add(path, "must be in the future")
    elif at > now + max_ahead:
        v.add(path, f"may be at most {max_ahead.days:,} days ahead")
    return at


def duration(
    v: Violations, path: str, d: Duration, *, minimum: float, maximum: float
) -> float | None:
    """A duration in seconds within [minimum, maximum], or None with a violation."""
    if duration_problem(d) is not None:
        v.add(path, DURATION_RULE)
        return None
    value = seconds(d)
    if not minimum <= value <= maximum:
        v.add(path, f"must be between {minimum:g} s and {maximum:g} s")
        return None
    return value
