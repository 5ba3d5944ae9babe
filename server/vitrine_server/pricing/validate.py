"""PricingService's requests checked and turned into model.py values, every
bad field named, all at once: history, the deals feed, alerts and their
delivery.

RecordPriceBatch's input is checked in two steps: the batch as a whole (a
bad one is refused with every field violation named), then each observation
on its own (a bad one is rejected with a reason while the rest of its batch
is recorded).

Observations are judged here with the same helpers every RPC uses (the RPC
boundary leaves them to this module: PricingHandlers.items_checked_by_service)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.pricing.v1 import alert_pb2
from vitrine.pricing.v1 import history_pb2 as hist
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.pricing import series
from vitrine_server.pricing.model import (
    AckRequest,
    AlertListQuery,
    DropQuery,
    HistoryQuery,
    NewAlert,
    Observation,
    Result,
    StreamRequest,
)
from vitrine_server.rpc import paging
from vitrine_server.validation import lists, money, refs, text, times

MAX_OBSERVATIONS = 10_000
MAX_AGE = timedelta(days=365)
MAX_EXTERNAL_ID = 200  # as UpsertOffers takes it
MAX_BATCH_ID = 128
DEFAULT_MIN_DROP_BPS = 500
DEFAULT_DROP_WINDOW = timedelta(days=7)
MAX_DROP_STORES = 50
# The cursor of the deals feed: the drop in basis points, then the product id.
DROP_CURSOR = (paging.INT32, paging.INT64)
_BASES = (
    api.DROP_BASIS_UNSPECIFIED,
    api.DROP_BASIS_PREVIOUS_PRICE,
    api.DROP_BASIS_RECENT_AVERAGE,
)


def batch(batch_id: str, observations: Sequence[obs.PriceObservation]) -> None:
    """Raise InvalidArgument naming every problem of the batch itself."""
    v = errors.Violations()
    if not 1 <= len(batch_id) <= MAX_BATCH_ID:
        v.add("batch_id", f"must be 1-{MAX_BATCH_ID} characters")
    if not observations:
        v.add("observations", "must hold at least one observation")
    elif len(observations) > MAX_OBSERVATIONS:
        v.add("observations", f"may hold at most {MAX_OBSERVATIONS} observations")
    v.raise_if_any()


def _reference_problem(o: obs.PriceObservation) -> tuple[str, str] | None:
    external_problem = text.text_problem(o.external_id, MAX_EXTERNAL_ID)
    if external_problem is not None:
        return "INVALID_EXTERNAL_ID", f"external_id {external_problem}"
    if o.offer_id < 0 or (o.offer_id == 0 and (o.store_id <= 0 or not o.external_id)):
        return "UNKNOWN_OFFER", "name the offer by offer_id, or by store_id and external_id"
    return None


def _time_problem(
    o: obs.PriceObservation, now: datetime, max_age: timedelta
) -> tuple[str, str] | None:
    if not o.HasField("observed_time"):
        return "MISSING_TIMESTAMP", "observed_time is required"
    problem = times.past_problem(o.observed_time, max_age=max_age, now=now)
    if problem is not None:
        reason, detail = problem
        return reason, f"observed_time {detail}"
    return None


def _price_problem(o: obs.PriceObservation) -> tuple[str, str] | None:
    price_problem = money.amount_problem(o.price.amount_minor)
    if price_problem is not None:
        return "INVALID_PRICE", f"price {price_problem}"
    if o.HasField("original_price"):
        original_problem = money.original_price_problem(o.price, o.original_price)
        if original_problem is not None:
            what, detail = original_problem
            reason = "CURRENCY_MISMATCH" if what == "currency" else "INVALID_ORIGINAL_PRICE"
            return reason, f"original_price {detail}"
    return None


def observation(
    index: int, o: obs.PriceObservation, result: Result, now: datetime, max_age: timedelta
) -> Observation | None:
    """The observation as a domain value, or None with `result` rejected
    (checks that need no database; the offer is matched by the service)."""
    problem = _reference_problem(o) or _time_problem(o, now, max_age) or _price_problem(o)
    if problem is not None:
        result.reject(*problem)
        return None
    return Observation(
        index=index,
        offer_id=o.offer_id,
        store_id=o.store_id,
        external_id=o.external_id,
        currency=o.price.currency_code,
        at=times.to_datetime(o.observed_time),
        price=o.price.amount_minor,
        original=o.original_price.amount_minor if o.HasField("original_price") else None,
        in_stock=o.in_stock,
    )


def observations(
    sent: Sequence[obs.PriceObservation], now: datetime, max_age: timedelta
) -> tuple[list[Observation], list[Result]]:
    """Every observation checked on its own (see `observation`): the valid
    ones as domain values, and a result per observation, rejected with the
    reason where it is not valid.

    A valid observation is recognised by one pass over its fields (times
    compared in microseconds); only one that fails it goes through
    `observation`, which names the problem. The helpers' calls for every
    observation of a batch of 1,000 cost about 17 ms of server CPU."""
    lowest = times.micros(now - max_age)
    highest = times.micros(now + times.CLOCK_SKEW)
    results = [Result() for _ in sent]
    shaped = []
    for i, o in enumerate(sent):
        at = _plainly_valid(o, lowest, highest)
        if at is None:
            checked = observation(i, o, results[i], now, max_age)
            if checked is not None:
                shaped.append(checked)
            continue
        original = o.original_price.amount_minor if o.HasField("original_price") else None
        shaped.append(
            Observation(
                i,
                o.offer_id,
                o.store_id,
                o.external_id,
                o.price.currency_code,
                times.from_micros(at),
                o.price.amount_minor,
                original,
                o.in_stock,
            )
        )
    return shaped, results


def _plainly_valid(o: obs.PriceObservation, lowest: int, highest: int) -> int | None:
    """The observation's time in microseconds when every check of
    `observation` passes; None: let `observation` say which does not."""
    external = o.external_id
    if external and (len(external) > MAX_EXTERNAL_ID or text.storable_problem(external)):
        return None
    if o.offer_id < 0 or (o.offer_id == 0 and (o.store_id <= 0 or not external)):
        return None
    if not o.HasField("observed_time"):
        return None
    ts = o.observed_time
    if times.timestamp_problem(ts) is not None:
        return None
    at = ts.seconds * 1_000_000 + ts.nanos // 1000
    price = o.price.amount_minor
    if not lowest <= at <= highest or not 0 < price < money.MAX_MINOR:
        return None
    if o.HasField("original_price"):
        original = o.original_price
        if original.currency_code != o.price.currency_code:
            return None
        if not price <= original.amount_minor < money.MAX_MINOR:
            return None
    return at


def drops(request: api.ListPriceDropsRequest, now: datetime) -> DropQuery:
    """The first page's query (the handler adds the page token's cursor)."""
    v = errors.Violations()
    min_drop = request.min_drop_bps or DEFAULT_MIN_DROP_BPS
    if not 1 <= min_drop <= 10_000:
        v.add("min_drop_bps", "must be between 1 and 10000 basis points")
    if request.basis not in _BASES:
        v.add("basis", "is not a known basis")
    refs.optional_id(v, "category_id", request.category_id, "every category")
    refs.id_list(v, "store_ids", request.store_ids, MAX_DROP_STORES, required=False)
    since = now - DEFAULT_DROP_WINDOW
    if request.HasField("changed_after"):
        since = times.timestamp(v, "changed_after", request.changed_after) or since
    v.raise_if_any()
    return DropQuery(
        min_drop,
        request.basis == api.DROP_BASIS_RECENT_AVERAGE,
        since,
        request.category_id or None,
        list(request.store_ids) or None,
        paging.page_size(request.page_size),
    )


# -- history -------------------------------------------------------------------

_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)
MAX_RANGE = timedelta(days=731)
MAX_BUCKETS = 10_000
DEFAULT_RANGE = timedelta(days=30)
_UNITS = {
    hist.GRANULARITY_HOUR: "hour",
    hist.GRANULARITY_DAY: "day",
    hist.GRANULARITY_WEEK: "week",
    hist.GRANULARITY_MONTH: "month",
}


def history(request: api.GetPriceHistoryRequest, now: datetime) -> HistoryQuery:
    v = errors.Violations()
    if (
        (request.offer_id > 0) == (request.product_id > 0)
        or request.offer_id < 0
        or request.product_id < 0
    ):
        v.add("offer_id", "give exactly one of offer_id or product_id, a positive id")
    start, end = _range(v, request, now)
    unit = _UNITS.get(request.granularity)
    if request.granularity not in (*_UNITS, hist.GRANULARITY_UNSPECIFIED, hist.GRANULARITY_RAW):
        v.add("granularity", "is not a known granularity")
    elif unit and end > start and series.bucket_count(start, end, unit) > MAX_BUCKETS:
        v.add("granularity", f"the range holds more than {MAX_BUCKETS} buckets: use a coarser one")
    v.raise_if_any()
    return HistoryQuery(
        request.offer_id,
        request.product_id,
        start,
        end,
        unit,
        request.series == api.PRODUCT_SERIES_ALL_OFFERS,
    )


def _range(
    v: errors.Violations, request: api.GetPriceHistoryRequest, now: datetime
) -> tuple[datetime, datetime]:
    """(start, end): as asked, by default the last DEFAULT_RANGE."""
    end = start = None
    if request.HasField("end_time"):
        end = _when(v, "end_time", request.end_time)
    if request.HasField("start_time"):
        start = _when(v, "start_time", request.start_time)
    bounds_valid = not (request.HasField("end_time") and end is None) and not (
        request.HasField("start_time") and start is None
    )
    end = end or now
    start = start or end - DEFAULT_RANGE
    if not bounds_valid:
        return start, end  # the violations say why; nothing to compare
    if end <= start:
        v.add("end_time", "must be after start_time")
    elif end - start > MAX_RANGE:
        v.add("start_time", f"the range may span at most {MAX_RANGE.days} days")
    return start, end


def _when(v: errors.Violations, path: str, ts: Timestamp) -> datetime | None:
    """A bound of a history range: a valid time from 1970 on, before year 9999
    (so that ranges and bucket edges around it are datetimes too)."""
    at = times.timestamp(v, path, ts)
    if at is not None and not _EARLIEST <= at < _LATEST:
        v.add(path, "must lie between 1970-01-01 and 9999-01-01")
        return None
    return at


def stats_product(request: api.GetPriceStatsRequest) -> int:
    v = errors.Violations()
    refs.positive_id(v, "product_id", request.product_id)
    v.raise_if_any()
    return request.product_id


# -- alerts --------------------------------------------------------------------

ALERT_KINDS = {
    alert_pb2.ALERT_KIND_TARGET_PRICE: "target_price",
    alert_pb2.ALERT_KIND_PERCENT_DROP: "percent_drop",
    alert_pb2.ALERT_KIND_BACK_IN_STOCK: "back_in_stock",
    alert_pb2.ALERT_KIND_ANY_CHANGE: "any_change",
}
# How far ahead an alert may be set to expire.
MAX_EXPIRY = timedelta(days=3650)
DEFAULT_ACK_TIMEOUT_S = 30.0
MAX_ACK_IDS = 1000
# The cursor of a user's alerts: creation time, then id.
ALERT_CURSOR = (paging.MICROS, paging.INT64)
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")
_NAME_RULE = "must be 1-64 letters, digits, '.', '-' or '_'"
# A Redis Stream entry id: milliseconds and a sequence, each a uint64.
_DELIVERY_ID = re.compile(r"^[0-9]{1,20}-[0-9]{1,20}\Z")


def new_alert(request: api.CreatePriceAlertRequest, now: datetime) -> NewAlert:
    a = request.alert
    v = errors.Violations()
    text.user_id(v, "alert.user_id", a.user_id)
    refs.positive_id(v, "alert.product_id", a.product_id)
    kind = ALERT_KINDS.get(a.kind)
    if kind is None:
        v.add("alert.kind", "must be TARGET_PRICE, PERCENT_DROP, BACK_IN_STOCK or ANY_CHANGE")
    if kind == "target_price":
        money.amount(v, "alert.target_price_minor", a.target_price_minor)
    if kind == "percent_drop" and not 1 <= a.drop_bps <= 10_000:
        v.add("alert.drop_bps", "must be 1-10000 basis points for a percent drop alert")
    expires = None
    if a.HasField("expire_time"):
        expires = times.future(v, "alert.expire_time", a.expire_time, now=now, max_ahead=MAX_EXPIRY)
    v.raise_if_any()
    assert kind is not None
    return NewAlert(
        a.user_id,
        a.product_id,
        kind,
        a.target_price_minor if kind == "target_price" else None,
        a.drop_bps if kind == "percent_drop" else None,
        expires,
    )


def alert_id(alert: int) -> int:
    """The `id` of GetPriceAlert and DeletePriceAlert."""
    v = errors.Violations()
    refs.positive_id(v, "id", alert)
    v.raise_if_any()
    return alert


def alert_list(request: api.ListPriceAlertsRequest) -> AlertListQuery:
    """The first page's query (the handler adds the page token's cursor)."""
    v = errors.Violations()
    text.user_id(v, "user_id", request.user_id)
    v.raise_if_any()
    return AlertListQuery(request.user_id, paging.page_size(request.page_size))


def stream(request: api.StreamTriggeredAlertsRequest) -> StreamRequest:
    v = errors.Violations()
    for name in ("consumer_group", "consumer"):
        if not _NAME.match(getattr(request, name)):
            v.add(name, _NAME_RULE)
    timeout_s: float | None = DEFAULT_ACK_TIMEOUT_S
    if request.HasField("ack_timeout"):
        timeout_s = times.duration(v, "ack_timeout", request.ack_timeout, minimum=1, maximum=3600)
    v.raise_if_any()
    assert timeout_s is not None
    return StreamRequest(request.consumer_group, request.consumer, timeout_s)


def ack(request: api.AckAlertsRequest) -> AckRequest:
    v = errors.Violations()
    if not _NAME.match(request.consumer_group):
        v.add("consumer_group", _NAME_RULE)
    delivery_ids = list(request.delivery_ids)
    if not delivery_ids:
        v.add("delivery_ids", f"must hold 1 to {MAX_ACK_IDS} ids")
    elif lists.within(v, "delivery_ids", delivery_ids, MAX_ACK_IDS, noun="ids"):
        for i, d in enumerate(delivery_ids):
            if not _DELIVERY_ID.match(d):
                v.add(f"delivery_ids[{i}]", "is not a delivery id")
    v.raise_if_any()
    return AckRequest(request.consumer_group, delivery_ids)
