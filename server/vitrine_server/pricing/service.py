"""Price ingestion: scraped observations into exact change-point history.

Each observation has been checked on its own before it gets here
(validate.py, at the edge: a bad one is rejected with a reason, the rest go
on). A batch is one transaction: claim the batch id (a replay answers the
first delivery's response), lock the touched offers
in id order (concurrent batches on shared offers queue instead of
deadlocking), record the observations set-based (store.sql: change
points, and each offer's current price and last sighting; a scraper's next
pass in record_next_observations, whatever it leaves in
record_observations). Then, for the products with a changed
observation only: lock them in id order, refresh their best offers,
recompute their best-price history from their earliest change on (stamped
with observation times), and evaluate the alerts of those whose best price
or stock changed. Store the
response. After the commit the cache is invalidated (every product touched:
its last scrape time moved) and triggered alerts are published; only then
is the batch acknowledged. The search feed follows from the products rows,
by trigger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from vitrine_server.cache.aside import CacheAside
from vitrine_server.db.database import Connection, Database
from vitrine_server.pricing import store
from vitrine_server.pricing.alerts import AlertDelivery
from vitrine_server.pricing.alerts_store import evaluate
from vitrine_server.pricing.model import (
    Accepted,
    BatchAnswer,
    Observation,
    ObservationBatch,
    Offer,
    Outcome,
    Recorded,
    Result,
)

# What the edge gives the service to serialize a batch's response: the
# response is stored with the batch, in its transaction, as the bytes a
# replay will answer.
Encode = Callable[[str, list[Result]], bytes]


async def observation_horizon(db: Database, now: datetime, limit: timedelta) -> timedelta:
    """How old a price may be: `limit`, or less where retention retired
    older months of price history, so that a write never aims at a month
    with no partition.

    Observations are accepted up to a year old; with a retention shorter
    than that (VITRINE_PRICE_RETENTION_MONTHS, or MaintainPartitions),
    months older than the retention are detached and price_points has no
    partition for them. An older observation is then refused as TOO_OLD
    (ingestion, alone in its batch) or INVALID_ARGUMENT (the catalog's
    UpsertOffers, which asks here) instead of failing in PostgreSQL."""
    start = await store.history_start(db)
    if start is None:
        return limit
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return min(limit, now - first)


async def offers_changed(tx: Connection, since: dict[int, datetime]) -> list[int]:
    """Products' best offers, best-price history and 30-day averages brought
    up to date, in the caller's transaction, after their offers changed
    outside a price batch (UpsertOffers, the demo seed); `since`: each
    product's earliest instant whose best price may have moved. The products
    whose row changed."""
    changed = await store.offers_changed(tx, since)
    await store.refresh_price_averages(tx, changed)
    return changed


def match_offers(
    offers: dict[int, Offer], shaped: list[Observation], results: list[Result]
) -> list[Accepted]:
    """The observations whose offer exists and takes their currency; the
    others rejected with the reason."""
    accepted = []
    for position, o in enumerate(shaped):
        offer = offers.get(position)
        result = results[o.index]
        if offer is None:
            result.reject("UNKNOWN_OFFER", "no such offer")
            continue
        result.offer_id = offer.id
        if o.currency != offer.currency:
            result.reject(
                "CURRENCY_MISMATCH",
                f"price is in {o.currency or '(none)'}, the offer in {offer.currency}",
            )
            continue
        accepted.append(
            Accepted(
                o.index,
                offer.id,
                offer.product_id,
                offer.currency,
                o.at,
                o.price,
                o.original,
                o.in_stock,
            )
        )
    return accepted


def earliest_changes(
    accepted: list[Accepted], changed: dict[int, bool], results: list[Result]
) -> dict[int, datetime]:
    """Set each outcome; per product, the time of its earliest change (its
    best-price history moves from there on)."""
    since: dict[int, datetime] = {}
    for a in accepted:
        if changed[a.index]:
            results[a.index].outcome = Outcome.CHANGED
            if a.product_id not in since or a.at < since[a.product_id]:
                since[a.product_id] = a.at
        else:
            results[a.index].outcome = Outcome.UNCHANGED
    return since


async def record(tx: Connection, accepted: list[Accepted], results: list[Result]) -> Recorded:
    """Record accepted observations and refresh what follows from them."""
    rows = await store.record_observations(tx, accepted)
    since = earliest_changes(accepted, {r["ord"]: r["changed"] for r in rows}, results)
    # Every product touched was scraped (its cached form shows when), but
    # only those with a changed observation can have a new best offer: an
    # unchanged one moved its offer's last sighting, not its price or stock.
    touched = sorted({a.product_id for a in accepted})
    if not since:
        return Recorded(touched, [])
    moved = await store.refresh_products(tx, sorted(since))
    # The 30-day averages (products.avg_30d_price_minor, the deals-vs-average
    # list) are not recomputed here: a new price weighs nothing yet, the
    # average moves as time passes. PartitionMaintainer refreshes them every
    # partitions.INTERVAL_S, so they lag by at most that; GetPriceStats
    # computes its 30- and 90-day figures from the history when asked.
    await store.record_best_prices(tx, since)
    # Alerts look at the best price and stock only: the products whose
    # best price or stock changed, set-based.
    return Recorded(touched, await evaluate(tx, moved))


class IngestionService:
    def __init__(self, db: Database, cache: CacheAside, alerts: AlertDelivery):
        self.db = db
        self.cache = cache
        self.alerts = alerts

    async def horizon(self, now: datetime, limit: timedelta) -> timedelta:
        """How old an observation may be now (see observation_horizon)."""
        return await observation_horizon(self.db, now, limit)

    async def record_batch(self, batch: ObservationBatch, encode: Encode) -> BatchAnswer:
        """Record a checked batch once: a batch id seen before answers the
        first delivery's response, whatever this delivery holds."""
        recorded = Recorded([], [])
        async with self.db.transaction() as tx:
            if not await store.claim_batch(tx, batch.batch_id):
                stored = await store.stored_response(tx, batch.batch_id)
                return BatchAnswer(stored or b"", replayed=True)
            offers = await store.resolve_offers(tx, batch.valid)
            accepted = match_offers(offers, batch.valid, batch.results)
            if accepted:
                recorded = await record(tx, accepted, batch.results)
            response = encode(batch.batch_id, batch.results)
            await store.save_response(tx, batch.batch_id, response)
        await self.cache.invalidate([self.cache.keys.product(p) for p in recorded.touched_products])
        await self.alerts.publish(recorded.fired_triggers)
        return BatchAnswer(response, replayed=False)
