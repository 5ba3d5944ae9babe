"""Offers: the comparison view, and batch upserts that keep each product's
best offer (and its price history) right in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vitrine.catalog.v1 import catalog_service_pb2 as api

from vitrine_server import errors
from vitrine_server.cache.aside import CacheAside
from vitrine_server.catalog import convert, validate
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing import horizon
from vitrine_server.rpc import paging
from vitrine_server.validation import lists, money, refs, text, times

Q = load_queries(__package__, "offers.sql")

MAX_UPSERT = 1000
# The cursor of ListOffers: in stock, price, id (offers.sql, list_offers).
_CURSOR = (paging.BOOL, paging.INT64, paging.INT64)
# UpsertOffers sets current prices; old observations belong to price ingestion.
MAX_OBSERVATION_AGE = timedelta(days=365)


def _best_price_since(rows: list, before: dict) -> dict[int, datetime]:  # type: ignore[type-arg]
    """Per product, the instant its best-price history may change from: the
    earliest observation of its upserted offers; the beginning when an offer
    moved between products (its whole history moved with it)."""
    since: dict[int, datetime] = {}
    for r in rows:
        old = before.get((r["store_id"], r["external_id"]))
        if old is not None and old["product_id"] != r["product_id"]:
            since[old["product_id"]] = since[r["product_id"]] = _BEGINNING
        at = min(r["observed_at"], r["price_since"])
        since[r["product_id"]] = min(since.get(r["product_id"], at), at)
    return dict(sorted(since.items()))


_BEGINNING = datetime.min.replace(tzinfo=UTC)


class OfferService:
    def __init__(
        self,
        db: Database,
        cache: CacheAside,
        tokens: paging.PageTokens,
        reads: Reader | None = None,
    ):
        self.db = db
        self.cache = cache
        self.tokens = tokens
        # Lists may lag: replicas when configured (db/replicas.py).
        self.reads: Reader = reads or db

    async def list_offers(self, request: api.ListOffersRequest) -> api.ListOffersResponse:
        v = errors.Violations()
        refs.positive_id(v, "product_id", request.product_id)
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, _CURSOR)
        in_stock, price, last_id = cursor if cursor is not None else (None, None, None)
        rows = await self.reads.fetch(
            Q.list_offers,
            request.product_id,
            request.in_stock_only,
            in_stock,
            price,
            last_id,
            size + 1,
        )
        if (
            not rows
            and cursor is None
            and not await self.reads.fetchval(Q.product_exists, request.product_id)
        ):
            raise errors.NotFound("product", str(request.product_id))
        page = rows[:size]
        response = api.ListOffersResponse(offers=[convert.offer(r) for r in page])
        if len(rows) > size:
            last = page[-1]
            response.next_page_token = await self.tokens.encode(
                request, [last["in_stock"], last["price_minor"], last["id"]]
            )
        return response

    async def upsert(self, request: api.UpsertOffersRequest) -> api.UpsertOffersResponse:
        now = datetime.now(UTC)
        items = list(request.offers)
        max_age = MAX_OBSERVATION_AGE
        if any(o.HasField("observed_time") for o in items):
            max_age = await horizon.max_age(self.db, now, MAX_OBSERVATION_AGE)
        observed = self._validate_shape(items, now, max_age)
        await self._validate_references(items)

        # A stable lock order keeps concurrent batches from deadlocking.
        order = sorted(range(len(items)), key=lambda i: (items[i].store_id, items[i].external_id))
        sorted_items = [items[i] for i in order]
        async with self.db.transaction() as tx:
            before = {
                (r["store_id"], r["external_id"]): r
                for r in await tx.fetch(
                    Q.lock_offers,
                    [o.store_id for o in sorted_items],
                    [o.external_id for o in sorted_items],
                )
            }
            rows = await tx.fetch(
                Q.upsert_offers,
                [o.product_id for o in sorted_items],
                [o.store_id for o in sorted_items],
                [o.external_id for o in sorted_items],
                [o.url for o in sorted_items],
                [o.price.currency_code for o in sorted_items],
                [o.price.amount_minor for o in sorted_items],
                [o.original_price.amount_minor or None for o in sorted_items],
                [o.in_stock for o in sorted_items],
                [observed[i] for i in order],
            )
            await self._record_history(tx, rows, before)
            touched = {r["product_id"] for r in rows} | {r["product_id"] for r in before.values()}
            await tx.execute(Q.lock_products, sorted(touched))
            changed = await tx.fetch(Q.refresh_best_offers, sorted(touched))
            since = _best_price_since(rows, before)
            await tx.execute(Q.record_best_prices, list(since), list(since.values()))
            await tx.execute(Q.refresh_price_averages, [r["id"] for r in changed])
        await self.cache.invalidate([self.cache.keys.product(r["id"]) for r in changed])

        by_key = {(r["store_id"], r["external_id"]): r for r in rows}
        return api.UpsertOffersResponse(
            offers=[convert.offer(by_key[(o.store_id, o.external_id)]) for o in items]
        )

    @staticmethod
    async def _record_history(tx: object, rows: list, before: dict) -> None:  # type: ignore[type-arg]
        """A change point where price or stock changed; else extend last seen."""
        new_points = []
        touched = []
        for r in rows:
            old = before.get((r["store_id"], r["external_id"]))
            if old is None or r["price_since"] != old["price_since"]:
                new_points.append(r)
            elif r["observed_at"] > old["observed_at"]:
                touched.append(r)
        if new_points:
            await tx.execute(  # type: ignore[attr-defined]
                Q.insert_price_points,
                [r["id"] for r in new_points],
                [r["product_id"] for r in new_points],
                [r["price_since"] for r in new_points],
                [r["currency_code"] for r in new_points],
                [r["price_minor"] for r in new_points],
                [r["original_price_minor"] for r in new_points],
                [r["in_stock"] for r in new_points],
            )
        if touched:
            await tx.execute(  # type: ignore[attr-defined]
                Q.touch_price_points,
                [r["id"] for r in touched],
                [r["price_since"] for r in touched],
                [r["observed_at"] for r in touched],
            )

    @staticmethod
    def _validate_shape(
        items: list[api.OfferInput], now: datetime, max_age: timedelta
    ) -> list[datetime]:
        v = errors.Violations()
        if not items:
            v.add("offers", "must hold at least one offer")
        lists.within(v, "offers", items, MAX_UPSERT, noun="offers")
        v.raise_if_any()
        seen: dict[tuple[int, str], int] = {}
        observed = []
        for i, o in enumerate(items):
            at = f"offers[{i}]"
            refs.positive_id(v, f"{at}.product_id", o.product_id)
            refs.positive_id(v, f"{at}.store_id", o.store_id)
            text.text(v, f"{at}.external_id", o.external_id, 200, required=True)
            validate.url(v, f"{at}.url", o.url)
            money.currency(v, f"{at}.price.currency_code", o.price.currency_code)
            money.amount(v, f"{at}.price.amount_minor", o.price.amount_minor)
            if o.HasField("original_price"):
                problem = money.original_price_problem(o.price, o.original_price)
                if problem is not None:
                    what, description = problem
                    field = "currency_code" if what == "currency" else "amount_minor"
                    v.add(f"{at}.original_price.{field}", description)
            when = now
            if o.HasField("observed_time"):
                when = times.past(
                    v, f"{at}.observed_time", o.observed_time, max_age=max_age, now=now
                )
            observed.append(when)
            key = (o.store_id, o.external_id)
            if key in seen:
                v.add(
                    f"{at}.external_id", f"repeats offers[{seen[key]}] (same store and external id)"
                )
            seen.setdefault(key, i)
        v.raise_if_any()
        return observed

    async def _validate_references(self, items: list[api.OfferInput]) -> None:
        products = {
            r["id"]: r["currency_code"]
            for r in await self.db.fetch(Q.products_currency, list({o.product_id for o in items}))
        }
        stores = {
            r["id"]: r["currency_code"]
            for r in await self.db.fetch(Q.stores_currency, list({o.store_id for o in items}))
        }
        v = errors.Violations()
        for i, o in enumerate(items):
            at = f"offers[{i}]"
            currency = o.price.currency_code
            if o.product_id not in products:
                v.add(f"{at}.product_id", f"product {o.product_id} does not exist")
            elif products[o.product_id] != currency:
                v.add(
                    f"{at}.price.currency_code",
                    f"is {currency} but product {o.product_id} "
                    f"is priced in {products[o.product_id]}",
                )
            if o.store_id not in stores:
                v.add(f"{at}.store_id", f"store {o.store_id} does not exist")
            elif stores[o.store_id] != currency:
                v.add(
                    f"{at}.price.currency_code",
                    f"is {currency} but store {o.store_id} sells in {stores[o.store_id]}",
                )
        v.raise_if_any()
