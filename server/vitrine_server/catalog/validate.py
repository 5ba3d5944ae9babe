"""Field checks shared by the catalog's requests. Each adds a violation
with the field's path; the service raises them all at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from google.protobuf.timestamp_pb2 import Timestamp

from vitrine_server.errors import Violations

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_MINOR = 10**12  # a trillion minor units: anything above is a scraper bug
CLOCK_SKEW = timedelta(seconds=60)


def slug(v: Violations, path: str, value: str, max_len: int = 120) -> None:
    if not value:
        v.add(path, "is required")
    elif len(value) > max_len or not SLUG.match(value):
        v.add(
            path, f"must be lower-case letters, digits and single hyphens, 1-{max_len} characters"
        )


def text(v: Violations, path: str, value: str, max_len: int, *, required: bool = False) -> None:
    if required and not value.strip():
        v.add(path, "is required")
    elif len(value) > max_len:
        v.add(path, f"must be at most {max_len} characters")


def url(v: Violations, path: str, value: str, *, required: bool = False) -> None:
    if not value:
        if required:
            v.add(path, "is required")
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000:
        v.add(path, "must be an http or https URL of at most 2000 characters")


def currency(v: Violations, path: str, value: str) -> None:
    if not CURRENCY.match(value):
        v.add(path, "must be an ISO 4217 code of three upper-case letters, e.g. BRL")


def country(v: Violations, path: str, value: str) -> None:
    if not COUNTRY.match(value):
        v.add(path, "must be an ISO 3166-1 alpha-2 code of two upper-case letters, e.g. BR")


def positive_id(v: Violations, path: str, value: int) -> None:
    if value <= 0:
        v.add(path, "must be a positive id")


def user_id(v: Violations, path: str, value: str) -> None:
    if not value or len(value) > 128:
        v.add(path, "must be 1-128 characters")


def id_list(v: Violations, path: str, values: list[int], maximum: int) -> None:
    if not values:
        v.add(path, "must name at least one id")
    elif len(values) > maximum:
        v.add(path, f"may name at most {maximum} ids")
    else:
        for i, value in enumerate(values):
            if value <= 0:
                v.add(f"{path}[{i}]", "must be a positive id")


def amount(v: Violations, path: str, value: int) -> None:
    if value <= 0 or value >= MAX_MINOR:
        v.add(path, f"must be > 0 and < {MAX_MINOR} minor units")


def past_time(
    v: Violations, path: str, ts: Timestamp, *, max_age: timedelta, now: datetime
) -> datetime:
    """The timestamp as a datetime, checked to lie in [now - max_age, now + skew]."""
    when = ts.ToDatetime(tzinfo=UTC)
    if when > now + CLOCK_SKEW:
        v.add(path, "may not be in the future")
    elif when < now - max_age:
        v.add(path, f"may be at most {max_age.days} days in the past")
    return when
