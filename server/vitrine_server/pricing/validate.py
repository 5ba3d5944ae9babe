"""RecordPriceBatch's input: the batch as a whole (a bad one is refused with
every field violation named), then each observation on its own (a bad one
is rejected with a reason while the rest of its batch is recorded).

Observations are judged here with the same helpers every RPC uses (the RPC
boundary leaves them to this module: PricingHandlers.items_checked_by_service)."""

from __future__ import annotations

from datetime import datetime, timedelta

from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.pricing.model import DropQuery, Observation, Result
from vitrine_server.rpc import paging
from vitrine_server.validation import money, refs, text, times

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


def batch(batch_id: str, observations: list[obs.PriceObservation]) -> None:
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
