"""Reading prices: history (raw or bucketed) and statistics.

PostgreSQL answers the one thing it is good at here, an index range scan of
change points (plus the point in effect at the range's start: store.py,
history.sql); step semantics, bucketing and the best-price series are pure
functions in pricing/series.py, tested against a brute-force computation.
Requests are checked in validate.py; series and statistics leave as
model.py values, which convert.py turns into protobuf.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vitrine_server import errors
from vitrine_server.db.replicas import Reader
from vitrine_server.pricing import series as s
from vitrine_server.pricing import store
from vitrine_server.pricing.model import HistoryQuery, PriceAt, PriceStats, Series, WindowStats


class HistoryService:
    """Every read here may lag: `db` is the replica router when replicas are
    configured (db/replicas.py)."""

    def __init__(self, db: Reader):
        self.db = db

    async def history(self, q: HistoryQuery) -> list[Series]:
        if q.offer_id:
            return [await self._offer_series(q)]
        product = await store.live_product(self.db, q.product_id)
        if product is None:
            raise errors.NotFound("product", str(q.product_id))
        offers = await store.product_offers(self.db, q.product_id)
        by_offer = await store.points(self.db, [o["id"] for o in offers], q.start, q.end)
        if q.all_offers:
            return [
                _series(
                    Series(o["id"], o["store_id"], o["currency_code"]),
                    by_offer.get(o["id"], []),
                    q,
                )
                for o in offers
            ]
        best = s.best_price(by_offer.values())
        stores = {o["id"]: o["store_id"] for o in offers}
        last_store = stores.get(best[-1].offer_id, 0) if best else 0
        return [_series(Series(0, last_store, product["currency_code"]), best, q)]

    async def _offer_series(self, q: HistoryQuery) -> Series:
        """The hottest read of history: the offer and its months packed as
        columns (price_point_months) in one statement, joined, cut to the
        range and bucketed as lists, without an object per point."""
        months = await store.offer_months(self.db, q.offer_id, q.start, q.end)
        if not months:
            raise errors.NotFound("offer", str(q.offer_id))
        offer = months[0]
        if offer["times"] is None:  # no point in the range: no month row
            months = []
        start_us, end_us = s.micros(q.start), s.micros(q.end)
        cols = s.columns_in_range(
            b"".join([m["times"] for m in months]),
            b"".join([m["prices"] for m in months]),
            b"".join([m["originals"] for m in months]),
            b"".join([m["stock"] for m in months]),
            start_us,
            end_us,
        )
        out = Series(offer["id"], offer["store_id"], offer["currency_code"])
        if q.unit is None:
            out.points = cols
            return out
        out.buckets = s.bucketize_columns(
            cols.times,
            cols.prices,
            cols.in_stock,
            start_us,
            end_us,
            s.boundaries_us(q.start, q.end, q.unit),
        )
        return out

    async def stats(self, product_id: int) -> PriceStats:
        product = await store.live_product(self.db, product_id)
        if product is None:
            raise errors.NotFound("product", str(product_id))
        out = PriceStats(product["id"], product["currency_code"])
        if product["best_offer_id"] is None:
            return out
        now = datetime.now(UTC)
        current = product["best_price_minor"]
        offers = await store.product_offers(self.db, product_id)
        by_offer = await store.points(
            self.db, [o["id"] for o in offers], now - timedelta(days=90), now
        )
        best = s.best_price(by_offer.values())
        out.current = PriceAt(
            current,
            best[-1].at if best else None,
            product["best_offer_id"],
            product["best_store_id"],
        )
        for row in await store.extreme_prices(self.db, product_id):
            at = PriceAt(row["price_minor"], row["valid_from"], row["offer_id"], row["store_id"])
            if row["which"] == "low":
                out.lowest_ever = at
            else:
                out.highest_ever = at
        for days in (30, 90):
            found = s.window(best, now - timedelta(days=days), now)
            if found is not None:
                low, average = found
                out.windows.append(
                    WindowStats(days, low, average, _bps(current, average), _bps(current, low))
                )
        return out


def _bps(value: int, base: int) -> int:
    return round((value - base) * 10_000 / base) if base else 0


def _series(out: Series, points: list[s.Point], q: HistoryQuery) -> Series:
    """A series from points (a product's offers, or its best price): columns
    filled from whole lists, no message per point (building one costs ~10 µs,
    a year of hourly points ~90 ms)."""
    inside = s.in_range(points, q.start, q.end)
    if q.unit is None:
        out.points = s.Columns(
            [s.micros(p.at) for p in inside],
            [p.price for p in inside],
            [p.original or 0 for p in inside],
            [p.in_stock for p in inside],
        )
        return out
    buckets = s.bucketize(inside, q.start, q.end, q.unit)
    out.buckets = s.BucketColumns(
        [s.micros(x.start) for x in buckets],
        [x.open for x in buckets],
        [x.low for x in buckets],
        [x.high for x in buckets],
        [x.close for x in buckets],
        [x.in_stock for x in buckets],
    )
    return out
