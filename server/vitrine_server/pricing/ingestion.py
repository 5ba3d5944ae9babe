"""Price ingestion: scraped observations into exact change-point history.

A batch is one transaction: claim the batch id (a replay answers the first
delivery's response), check each observation on its own (a bad one is
rejected with a reason, the rest go on), lock the touched offers in id
order (concurrent batches on shared offers queue instead of deadlocking),
record all observations in one set-based statement (ingest.sql,
record_observations: change points, and each offer's current price), lock
the touched products in id order, refresh their best offers and their
best-price history from the earliest change on (stamped with observation
times), evaluate the alerts of the products whose best price or stock
changed, store the response. After the commit the cache is invalidated and
triggered alerts are published; only then is the batch acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.catalog.offers import Q as OFFERS
from vitrine_server.db.database import Connection, Database
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing import horizon
from vitrine_server.pricing.alerts import AlertDelivery, evaluate
from vitrine_server.validation import money, text, times

Q = load_queries(__package__, "ingest.sql")

MAX_OBSERVATIONS = 10_000
MAX_AGE = timedelta(days=365)
MAX_EXTERNAL_ID = 200  # as UpsertOffers takes it

CHANGED = obs.OBSERVATION_OUTCOME_CHANGED
UNCHANGED = obs.OBSERVATION_OUTCOME_UNCHANGED
REJECTED = obs.OBSERVATION_OUTCOME_REJECTED


@dataclass(slots=True)
class _Accepted:
    index: int
    offer_id: int
    product_id: int
    currency: str
    at: datetime
    price: int
    original: int | None
    in_stock: bool


def _reject(result: obs.ObservationResult, reason: str, detail: str) -> None:
    result.outcome = REJECTED
    result.reason = reason
    result.detail = detail


def _check_shape(
    o: obs.PriceObservation, result: obs.ObservationResult, now: datetime, max_age: timedelta
) -> bool:
    """Checks that need no database; False (with the reason set) if rejected.

    The RPC boundary leaves observations to this function (see
    PricingHandlers.items_checked_by_service): whatever an observation
    holds, it is judged here, with the same helpers every RPC uses."""
    external_problem = text.text_problem(o.external_id, MAX_EXTERNAL_ID)
    if external_problem is not None:
        _reject(result, "INVALID_EXTERNAL_ID", f"external_id {external_problem}")
        return False
    if o.offer_id < 0 or (o.offer_id == 0 and (o.store_id <= 0 or not o.external_id)):
        _reject(
            result, "UNKNOWN_OFFER", "name the offer by offer_id, or by store_id and external_id"
        )
        return False
    if not o.HasField("observed_time"):
        _reject(result, "MISSING_TIMESTAMP", "observed_time is required")
        return False
    time_problem = times.past_problem(o.observed_time, max_age=max_age, now=now)
    if time_problem is not None:
        reason, detail = time_problem
        _reject(result, reason, f"observed_time {detail}")
        return False
    price_problem = money.amount_problem(o.price.amount_minor)
    if price_problem is not None:
        _reject(result, "INVALID_PRICE", f"price {price_problem}")
        return False
    if o.HasField("original_price"):
        original_problem = money.original_price_problem(o.price, o.original_price)
        if original_problem is not None:
            what, detail = original_problem
            reason = "CURRENCY_MISMATCH" if what == "currency" else "INVALID_ORIGINAL_PRICE"
            _reject(result, reason, f"original_price {detail}")
            return False
    return True


async def _record(
    tx: Connection, accepted: list[_Accepted], results: list[obs.ObservationResult]
) -> tuple[list[int], list[int]]:
    """Record accepted observations and refresh what follows from them;
    returns the products whose row changed and the alert triggers fired."""
    outcomes = await tx.fetch(
        Q.record_observations,
        [a.index for a in accepted],
        [a.offer_id for a in accepted],
        [a.product_id for a in accepted],
        [a.at for a in accepted],
        [a.currency for a in accepted],
        [a.price for a in accepted],
        [a.original for a in accepted],
        [a.in_stock for a in accepted],
    )
    by_index = {a.index: a for a in accepted}
    # The best-price history of a product moves from its earliest change on.
    since: dict[int, datetime] = {}
    for r in outcomes:
        a = by_index[r["ord"]]
        results[a.index].outcome = CHANGED if r["changed"] else UNCHANGED
        if r["changed"] and (a.product_id not in since or a.at < since[a.product_id]):
            since[a.product_id] = a.at
    touched = sorted({a.product_id for a in accepted})
    await tx.execute(OFFERS.lock_products, touched)
    refreshed = await tx.fetch(OFFERS.refresh_best_offers, touched)
    if since:
        products = sorted(since)
        await tx.execute(OFFERS.record_best_prices, products, [since[p] for p in products])
    changed_products = [r["id"] for r in refreshed]
    await tx.execute(OFFERS.refresh_price_averages, changed_products)
    # Alerts of the products whose best price or stock changed, set-based.
    return changed_products, await evaluate(tx, changed_products)


class IngestionService:
    def __init__(self, db: Database, cache: CacheAside, alerts: AlertDelivery):
        self.db = db
        self.cache = cache
        self.alerts = alerts

    async def record_batch(
        self, batch_id: str, observations: list[obs.PriceObservation]
    ) -> api.RecordPriceBatchResponse:
        v = errors.Violations()
        if not 1 <= len(batch_id) <= 128:
            v.add("batch_id", "must be 1-128 characters")
        if not observations:
            v.add("observations", "must hold at least one observation")
        elif len(observations) > MAX_OBSERVATIONS:
            v.add("observations", f"may hold at most {MAX_OBSERVATIONS} observations")
        v.raise_if_any()

        now = datetime.now(UTC)
        response = api.RecordPriceBatchResponse(batch_id=batch_id)
        results = [response.results.add() for _ in observations]
        max_age = await horizon.max_age(self.db, now, MAX_AGE)
        shaped = [
            i for i, o in enumerate(observations) if _check_shape(o, results[i], now, max_age)
        ]

        async with self.db.transaction() as tx:
            if not await tx.fetchval(Q.claim_batch, batch_id):
                stored = await tx.fetchval(Q.batch_response, batch_id)
                replay = api.RecordPriceBatchResponse.FromString(stored or b"")
                replay.replayed = True
                return replay
            offers = {
                r["ord"] - 1: r
                for r in await tx.fetch(
                    Q.resolve_offers,
                    [observations[i].offer_id for i in shaped],
                    [observations[i].store_id for i in shaped],
                    [observations[i].external_id for i in shaped],
                )
            }
            accepted = []
            for position, i in enumerate(shaped):
                o, offer = observations[i], offers.get(position)
                if offer is None:
                    _reject(results[i], "UNKNOWN_OFFER", "no such offer")
                    continue
                results[i].offer_id = offer["id"]
                if o.price.currency_code != offer["currency_code"]:
                    _reject(
                        results[i],
                        "CURRENCY_MISMATCH",
                        f"price is in {o.price.currency_code or '(none)'}, "
                        f"the offer in {offer['currency_code']}",
                    )
                    continue
                accepted.append(
                    _Accepted(
                        i,
                        offer["id"],
                        offer["product_id"],
                        offer["currency_code"],
                        times.to_datetime(o.observed_time),
                        o.price.amount_minor,
                        o.original_price.amount_minor if o.HasField("original_price") else None,
                        o.in_stock,
                    )
                )
            changed_products: list[int] = []
            fired: list[int] = []
            if accepted:
                changed_products, fired = await _record(tx, accepted, results)
            response.accepted_count = len(accepted)
            response.rejected_count = len(observations) - len(accepted)
            await tx.execute(Q.save_batch_response, batch_id, response.SerializeToString())
        await self.cache.invalidate([self.cache.keys.product(p) for p in changed_products])
        await self.alerts.publish(fired)
        return response
