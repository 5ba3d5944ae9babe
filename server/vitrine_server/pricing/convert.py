"""Price ingestion's results as protobuf."""

from __future__ import annotations

from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server.pricing.model import Outcome, Result

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
