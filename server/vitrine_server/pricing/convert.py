"""Pricing's answers as protobuf: ingestion's results, history, statistics,
the deals feed, alerts and their triggers."""

from __future__ import annotations

from typing import Any

from vitrine.pricing.v1 import alert_pb2
from vitrine.pricing.v1 import history_pb2 as hist
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server.catalog import convert as catalog_convert
from vitrine_server.pricing.model import (
    AlertView,
    BatchAnswer,
    Delivered,
    DropPage,
    Outcome,
    PriceAt,
    PriceStats,
    Result,
    Series,
    WindowStats,
)
from vitrine_server.pricing.validate import ALERT_KINDS
from vitrine_server.rpc.wire import timestamp

_OUTCOMES = {
    Outcome.CHANGED: obs.OBSERVATION_OUTCOME_CHANGED,
    Outcome.UNCHANGED: obs.OBSERVATION_OUTCOME_UNCHANGED,
    Outcome.REJECTED: obs.OBSERVATION_OUTCOME_REJECTED,
}


def batch_response(batch_id: str, results: list[Result]) -> api.RecordPriceBatchResponse:
    response = api.RecordPriceBatchResponse(batch_id=batch_id)
    accepted = 0
    for r in results:
        item = response.results.add(outcome=_OUTCOMES[r.outcome])
        if r.offer_id:
            item.offer_id = r.offer_id
        if r.outcome is Outcome.REJECTED:
            item.reason = r.reason
            item.detail = r.detail
        else:
            accepted += 1
    response.accepted_count = accepted
    response.rejected_count = len(results) - accepted
    return response


def batch_response_bytes(batch_id: str, results: list[Result]) -> bytes:
    """The response as the service stores it with the batch."""
    return batch_response(batch_id, results).SerializeToString()


# Serialized messages concatenated merge, the last value of a field winning:
# this tail turns a stored response into its replay without parsing it.
_REPLAYED = api.RecordPriceBatchResponse(replayed=True).SerializeToString()


def batch_answer(answer: BatchAnswer) -> bytes:
    """The serialized RecordPriceBatchResponse of a batch: the stored
    response, marked `replayed` when it answers a replay."""
    return answer.response + _REPLAYED if answer.replayed else answer.response


def drops(page: DropPage) -> api.ListPriceDropsResponse:
    """The page's drops (without its page token: the handler adds it)."""
    products = catalog_convert.products_from_entries(page.products)
    response = api.ListPriceDropsResponse()
    for r in page.rows:
        product = products.get(r["id"])
        if product is None:  # deleted since the query
            continue
        response.drops.add(
            product=product,
            previous_price_minor=r["prev_best_price_minor"],
            current_price_minor=r["best_price_minor"],
            drop_bps=r["drop_bps"],
            changed_time=timestamp(r["best_price_changed_at"]),
        )
    return response


def series(x: Series) -> hist.PriceSeries:
    # Columns are extended from whole lists: no message per point.
    out = hist.PriceSeries(offer_id=x.offer_id, store_id=x.store_id, currency_code=x.currency)
    if x.points is not None:
        cols = out.points
        cols.time_unix_micros.extend(x.points.times)
        cols.price_minor.extend(x.points.prices)
        cols.original_price_minor.extend(x.points.originals)
        cols.in_stock.extend(x.points.in_stock)
    if x.buckets is not None:
        b = out.buckets
        b.start_unix_micros.extend(x.buckets.start)
        b.open_minor.extend(x.buckets.open)
        b.low_minor.extend(x.buckets.low)
        b.high_minor.extend(x.buckets.high)
        b.close_minor.extend(x.buckets.close)
        b.in_stock.extend(x.buckets.in_stock)
    return out


def history(found: list[Series]) -> api.GetPriceHistoryResponse:
    return api.GetPriceHistoryResponse(series=[series(x) for x in found])


def _price_at(p: PriceAt) -> api.PriceAt:
    return api.PriceAt(
        price_minor=p.price_minor,
        time=timestamp(p.time),
        offer_id=p.offer_id,
        store_id=p.store_id,
    )


def _window(w: WindowStats) -> api.WindowStats:
    return api.WindowStats(
        days=w.days,
        min_minor=w.min_minor,
        average_minor=w.average_minor,
        current_vs_average_bps=w.current_vs_average_bps,
        current_vs_min_bps=w.current_vs_min_bps,
    )


def stats(st: PriceStats) -> api.GetPriceStatsResponse:
    response = api.GetPriceStatsResponse(product_id=st.product_id, currency_code=st.currency)
    if st.current is not None:
        response.current.CopyFrom(_price_at(st.current))
    if st.lowest_ever is not None:
        response.lowest_ever.CopyFrom(_price_at(st.lowest_ever))
    if st.highest_ever is not None:
        response.highest_ever.CopyFrom(_price_at(st.highest_ever))
    windows = {30: response.last_30_days, 90: response.last_90_days}
    for w in st.windows:
        windows[w.days].CopyFrom(_window(w))
    return response


_KIND_OF = {v: k for k, v in ALERT_KINDS.items()}
_STATES = {
    "armed": alert_pb2.ALERT_STATE_ARMED,
    "triggered": alert_pb2.ALERT_STATE_TRIGGERED,
    "expired": alert_pb2.ALERT_STATE_EXPIRED,
}


def trigger(row: Any) -> alert_pb2.AlertTrigger:
    """A trigger row (alerts.sql); also the stream's payload, serialized."""
    return alert_pb2.AlertTrigger(
        id=row["id"],
        alert_id=row["alert_id"],
        product_id=row["product_id"],
        user_id=row["user_id"],
        cause=_KIND_OF[row["cause"]],
        price_minor=row["price_minor"] or 0,
        trigger_time=timestamp(row["triggered_at"]),
    )


def alert(a: AlertView) -> alert_pb2.PriceAlert:
    r = a.row
    return alert_pb2.PriceAlert(
        id=r["id"],
        user_id=r["user_id"],
        product_id=r["product_id"],
        kind=_KIND_OF[r["kind"]],
        target_price_minor=r["target_price_minor"] or 0,
        drop_bps=r["drop_bps"] or 0,
        expire_time=timestamp(r["expires_at"]),
        state=_STATES[a.state],
        baseline_price_minor=r["baseline_price_minor"] or 0,
        last_trigger_time=timestamp(r["last_triggered_at"]),
        create_time=timestamp(r["created_at"]),
        triggers=[trigger(t) for t in a.triggers],
    )


def delivered(d: Delivered) -> api.StreamTriggeredAlertsResponse:
    return api.StreamTriggeredAlertsResponse(
        alert=alert_pb2.TriggeredAlert(
            delivery_id=d.delivery_id,
            trigger=alert_pb2.AlertTrigger.FromString(d.trigger),
            delivery_count=d.delivery_count,
        )
    )
