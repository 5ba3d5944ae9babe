"""Pricing's domain values (ingestion, history, the deals feed, alerts),
free of protobuf and SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from vitrine_server.pricing.series import BucketColumns, Columns


class Outcome(Enum):
    CHANGED = "changed"  # a new price in effect at the observation's time
    UNCHANGED = "unchanged"  # the price in effect was seen again
    REJECTED = "rejected"


@dataclass(slots=True)
class Observation:
    """One observation as sent, checked for shape (validate.py) but not yet
    matched to an offer. `index` is its position in the request."""

    index: int
    offer_id: int  # 0: named by store_id and external_id
    store_id: int
    external_id: str
    currency: str
    at: datetime
    price: int
    original: int | None
    in_stock: bool


@dataclass(frozen=True, slots=True)
class Offer:
    """The offer an observation names."""

    id: int
    product_id: int
    currency: str


@dataclass(slots=True)
class Accepted:
    """An observation matched to its offer, to be recorded."""

    index: int
    offer_id: int
    product_id: int
    currency: str
    at: datetime
    price: int
    original: int | None
    in_stock: bool


@dataclass(slots=True)
class Result:
    """What became of one observation (RecordPriceBatchResponse.results)."""

    outcome: Outcome = Outcome.UNCHANGED
    offer_id: int = 0
    reason: str = ""
    detail: str = ""

    def reject(self, reason: str, detail: str) -> None:
        self.outcome = Outcome.REJECTED
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class Recorded:
    """What a recorded batch changed beyond its observations' history."""

    # Products whose cached form is stale: every product touched (its last
    # scrape time moved), whether or not its best offer changed.
    touched_products: list[int]
    # Alert triggers written in the batch's transaction, to publish after it.
    fired_triggers: list[int]


@dataclass(slots=True)
class ObservationBatch:
    """A RecordPriceBatch as the service takes it: its id, the observations
    that passed validate.py as domain values, and one result per observation
    sent (already rejected, with its reason, where one did not pass)."""

    batch_id: str
    valid: list[Observation]
    results: list[Result]


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """A batch's response, serialized as it was stored with the batch (so
    that a replay answers the first delivery's bytes); `replayed`: this
    answer is a replay's."""

    response: bytes
    replayed: bool


@dataclass(frozen=True, slots=True)
class DropQuery:
    """A page of the deals feed (ListPriceDrops)."""

    min_drop_bps: int
    # Against the 30-day average; else against the previous best price.
    vs_average: bool
    since: datetime
    category_id: int | None
    store_ids: list[int] | None
    size: int
    # The last drop served: (drop_bps, product_id); None: the first page.
    after: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class DropPage:
    # drops.sql rows, and the live products among them as cache entries
    # (a product deleted since the query is left out of `products`).
    rows: list[Any]
    products: dict[int, bytes]
    # (drop_bps, product_id) of the last row; None: the last page.
    next_cursor: list[int] | None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """GetPriceHistory: one offer's series, or a product's."""

    offer_id: int  # 0: the product's
    product_id: int
    start: datetime
    end: datetime
    # "hour", "day", "week" or "month"; None: the raw change points.
    unit: str | None
    # A product's every offer, each its own series; else its best price.
    all_offers: bool


@dataclass(slots=True)
class Series:
    """One price series, as columns (no object per point): raw points, or
    buckets when the query has a unit."""

    offer_id: int  # 0: a product's best price
    store_id: int
    currency: str
    points: Columns | None = None
    buckets: BucketColumns | None = None


@dataclass(frozen=True, slots=True)
class PriceAt:
    price_minor: int
    time: datetime | None
    offer_id: int
    store_id: int


@dataclass(frozen=True, slots=True)
class WindowStats:
    days: int
    min_minor: int
    average_minor: int
    current_vs_average_bps: int
    current_vs_min_bps: int


@dataclass(slots=True)
class PriceStats:
    product_id: int
    currency: str
    # None (and nothing below): the product has no offer.
    current: PriceAt | None = None
    lowest_ever: PriceAt | None = None
    highest_ever: PriceAt | None = None
    windows: list[WindowStats] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NewAlert:
    user_id: str
    product_id: int
    # "target_price", "percent_drop", "back_in_stock" or "any_change".
    kind: str
    target_price_minor: int | None
    drop_bps: int | None
    expires: datetime | None


@dataclass(frozen=True, slots=True)
class AlertListQuery:
    user_id: str
    size: int
    # The last alert served: (created_at, id); None: the first page.
    after: tuple[datetime, int] | None = None


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as read: its row (alerts.sql, get_alerts), its state now
    ("armed", "triggered" or "expired") and its latest triggers' rows."""

    row: Any
    state: str
    triggers: list[Any]


@dataclass(frozen=True, slots=True)
class StreamRequest:
    group: str
    consumer: str
    # A delivery not acknowledged within this goes to another consumer.
    ack_timeout_s: float


@dataclass(frozen=True, slots=True)
class AckRequest:
    group: str
    delivery_ids: list[str]


@dataclass(frozen=True, slots=True)
class Delivered:
    """A trigger read from the stream for a consumer."""

    delivery_id: str
    # The AlertTrigger as published (serialized: the stream's payload).
    trigger: bytes
    delivery_count: int
