"""Reading prices: history (raw or bucketed) and statistics.

PostgreSQL answers the one thing it is good at here, an index range scan of
change points (plus the point in effect at the range's start); step
semantics, bucketing and the best-price series are pure functions in
pricing/series.py, tested against a brute-force computation.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.pricing.v1 import history_pb2 as hist
from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing import series as s
from vitrine_server.rpc.wire import timestamp
from vitrine_server.validation import refs, times

Q = load_queries(__package__, "history.sql")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = _EPOCH
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MAX_RANGE = timedelta(days=731)
MAX_BUCKETS = 10_000
DEFAULT_RANGE = timedelta(days=30)
_UNITS = {
    hist.GRANULARITY_HOUR: "hour",
    hist.GRANULARITY_DAY: "day",
    hist.GRANULARITY_WEEK: "week",
    hist.GRANULARITY_MONTH: "month",
}


def _range(v: errors.Violations, request: api.GetPriceHistoryRequest) -> tuple[datetime, datetime]:
    """(start, end): as asked, by default the last DEFAULT_RANGE."""
    end = start = None
    if request.HasField("end_time"):
        end = _when(v, "end_time", request.end_time)
    if request.HasField("start_time"):
        start = _when(v, "start_time", request.start_time)
    bounds_valid = not (request.HasField("end_time") and end is None) and not (
        request.HasField("start_time") and start is None
    )
    end = end or datetime.now(UTC)
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


class HistoryService:
    """Every read here may lag: `db` is the replica router when replicas are
    configured (db/replicas.py)."""

    def __init__(self, db: Reader):
        self.db = db

    async def _points(
        self, offer_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, list[s.Point]]:
        by_offer: dict[int, list[s.Point]] = defaultdict(list)
        for r in await self.db.fetch(Q.points_in_range, offer_ids, start, end):
            by_offer[r["offer_id"]].append(
                s.Point(
                    r["valid_from"],
                    r["price_minor"],
                    r["original_price_minor"],
                    r["in_stock"],
                    r["offer_id"],
                )
            )
        return by_offer

    async def _offer_series(
        self, offer_id: int, start: datetime, end: datetime, unit: str | None
    ) -> hist.PriceSeries:
        """The hottest read of history: the offer and its months packed as
        columns (price_point_months) in one statement, joined, cut to the
        range and bucketed as lists, without an object per point."""
        months = await self.db.fetch(Q.offer_months, offer_id, start, end)
        if not months:
            raise errors.NotFound("offer", str(offer_id))
        offer = months[0]
        if offer["times"] is None:  # no point in the range: no month row
            months = []
        start_us, end_us = s.micros(start), s.micros(end)
        cols = s.columns_in_range(
            b"".join([m["times"] for m in months]),
            b"".join([m["prices"] for m in months]),
            b"".join([m["originals"] for m in months]),
            b"".join([m["stock"] for m in months]),
            start_us,
            end_us,
        )
        out = hist.PriceSeries(
            offer_id=offer["id"], store_id=offer["store_id"], currency_code=offer["currency_code"]
        )
        if unit is None:
            out.points.time_unix_micros.extend(cols.times)
            out.points.price_minor.extend(cols.prices)
            out.points.original_price_minor.extend(cols.originals)
            out.points.in_stock.extend(cols.in_stock)
            return out
        b = s.bucketize_columns(
            cols.times,
            cols.prices,
            cols.in_stock,
            start_us,
            end_us,
            s.boundaries_us(start, end, unit),
        )
        out.buckets.start_unix_micros.extend(b.start)
        out.buckets.open_minor.extend(b.open)
        out.buckets.low_minor.extend(b.low)
        out.buckets.high_minor.extend(b.high)
        out.buckets.close_minor.extend(b.close)
        out.buckets.in_stock.extend(b.in_stock)
        return out

    async def history(self, request: api.GetPriceHistoryRequest) -> api.GetPriceHistoryResponse:
        v = errors.Violations()
        if (
            (request.offer_id > 0) == (request.product_id > 0)
            or request.offer_id < 0
            or request.product_id < 0
        ):
            v.add("offer_id", "give exactly one of offer_id or product_id, a positive id")
        start, end = _range(v, request)
        unit = _UNITS.get(request.granularity)
        if request.granularity not in (*_UNITS, hist.GRANULARITY_UNSPECIFIED, hist.GRANULARITY_RAW):
            v.add("granularity", "is not a known granularity")
        elif unit and end > start and s.bucket_count(start, end, unit) > MAX_BUCKETS:
            v.add(
                "granularity", f"the range holds more than {MAX_BUCKETS} buckets: use a coarser one"
            )
        v.raise_if_any()

        response = api.GetPriceHistoryResponse()
        if request.offer_id:
            response.series.append(await self._offer_series(request.offer_id, start, end, unit))
            return response

        product = await self.db.fetchrow(Q.product, request.product_id)
        if product is None:
            raise errors.NotFound("product", str(request.product_id))
        offers = await self.db.fetch(Q.product_offers, request.product_id)
        by_offer = await self._points([o["id"] for o in offers], start, end)
        if request.series == api.PRODUCT_SERIES_ALL_OFFERS:
            for o in offers:
                response.series.append(
                    _series(
                        o["id"],
                        o["store_id"],
                        o["currency_code"],
                        by_offer.get(o["id"], []),
                        start,
                        end,
                        unit,
                    )
                )
            return response
        best = s.best_price(by_offer.values())
        stores = {o["id"]: o["store_id"] for o in offers}
        last_store = stores.get(best[-1].offer_id, 0) if best else 0
        response.series.append(
            _series(0, last_store, product["currency_code"], best, start, end, unit)
        )
        return response

    async def stats(self, request: api.GetPriceStatsRequest) -> api.GetPriceStatsResponse:
        v = errors.Violations()
        refs.positive_id(v, "product_id", request.product_id)
        v.raise_if_any()
        product = await self.db.fetchrow(Q.product, request.product_id)
        if product is None:
            raise errors.NotFound("product", str(request.product_id))
        response = api.GetPriceStatsResponse(
            product_id=product["id"], currency_code=product["currency_code"]
        )
        if product["best_offer_id"] is None:
            return response
        now = datetime.now(UTC)
        current = product["best_price_minor"]
        offers = await self.db.fetch(Q.product_offers, request.product_id)
        by_offer = await self._points([o["id"] for o in offers], now - timedelta(days=90), now)
        best = s.best_price(by_offer.values())
        response.current.CopyFrom(
            api.PriceAt(
                price_minor=current,
                time=timestamp(best[-1].at) if best else None,
                offer_id=product["best_offer_id"],
                store_id=product["best_store_id"],
            )
        )
        for row in await self.db.fetch(Q.extreme_prices, request.product_id):
            target = response.lowest_ever if row["which"] == "low" else response.highest_ever
            target.CopyFrom(
                api.PriceAt(
                    price_minor=row["price_minor"],
                    time=timestamp(row["valid_from"]),
                    offer_id=row["offer_id"],
                    store_id=row["store_id"],
                )
            )
        for days, field in ((30, response.last_30_days), (90, response.last_90_days)):
            found = s.window(best, now - timedelta(days=days), now)
            if found is None:
                continue
            low, average = found
            field.CopyFrom(
                api.WindowStats(
                    days=days,
                    min_minor=low,
                    average_minor=average,
                    current_vs_average_bps=_bps(current, average),
                    current_vs_min_bps=_bps(current, low),
                )
            )
        return response


def _bps(value: int, base: int) -> int:
    return round((value - base) * 10_000 / base) if base else 0


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


def _series(
    offer_id: int,
    store_id: int,
    currency: str,
    points: list[s.Point],
    start: datetime,
    end: datetime,
    unit: str | None,
) -> hist.PriceSeries:
    # Columns are filled from whole lists: no message per point (building
    # one costs ~10 µs here, a year of hourly points ~90 ms).
    out = hist.PriceSeries(offer_id=offer_id, store_id=store_id, currency_code=currency)
    inside = s.in_range(points, start, end)
    if unit is None:
        cols = out.points
        cols.time_unix_micros.extend([_micros(p.at) for p in inside])
        cols.price_minor.extend([p.price for p in inside])
        cols.original_price_minor.extend([p.original or 0 for p in inside])
        cols.in_stock.extend([p.in_stock for p in inside])
        return out
    buckets = s.bucketize(inside, start, end, unit)
    b = out.buckets
    b.start_unix_micros.extend([_micros(x.start) for x in buckets])
    b.open_minor.extend([x.open for x in buckets])
    b.low_minor.extend([x.low for x in buckets])
    b.high_minor.extend([x.high for x in buckets])
    b.close_minor.extend([x.close for x in buckets])
    b.in_stock.extend([x.in_stock for x in buckets])
    return out
