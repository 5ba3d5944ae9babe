"""Pricing's answers as protobuf: ingestion's results, the deals feed."""

from __future__ import annotations

from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server.catalog import convert as catalog_convert
from vitrine_server.pricing.model import DropPage, Outcome, Result
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


def replayed_response(stored: bytes | None) -> api.RecordPriceBatchResponse:
    """The first delivery's response, as a replay answers it."""
    replay = api.RecordPriceBatchResponse.FromString(stored or b"")
    replay.replayed = True
    return replay


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
