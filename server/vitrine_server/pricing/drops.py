"""The deals feed: products whose best price just fell, against the
previous best price or the 30-day average (both kept on the product and
indexed: migrations 0003 and 0005)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vitrine.pricing.v1 import pricing_service_pb2 as api

from vitrine_server import errors
from vitrine_server.catalog import convert as catalog_convert
from vitrine_server.catalog.service import ProductService
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import Reader
from vitrine_server.db.sql import load_queries
from vitrine_server.pricing.store import Q as OFFERS
from vitrine_server.rpc import paging
from vitrine_server.rpc.wire import timestamp
from vitrine_server.validation import refs, times

Q = load_queries(__package__, "drops.sql")

DEFAULT_MIN_DROP_BPS = 500
DEFAULT_WINDOW = timedelta(days=7)
# The cursor of the deals feed: the drop in basis points, then the product id.
_CURSOR = (paging.INT32, paging.INT64)


class DropService:
    def __init__(
        self,
        db: Database,
        products: ProductService,
        tokens: paging.PageTokens,
        reads: Reader | None = None,
    ):
        self.db = db
        self.products = products
        self.tokens = tokens
        # The feed may lag: replicas when configured (db/replicas.py).
        self.reads: Reader = reads or db

    async def list_drops(self, request: api.ListPriceDropsRequest) -> api.ListPriceDropsResponse:
        v = errors.Violations()
        min_drop = request.min_drop_bps or DEFAULT_MIN_DROP_BPS
        if not 1 <= min_drop <= 10_000:
            v.add("min_drop_bps", "must be between 1 and 10000 basis points")
        if request.basis not in (
            api.DROP_BASIS_UNSPECIFIED,
            api.DROP_BASIS_PREVIOUS_PRICE,
            api.DROP_BASIS_RECENT_AVERAGE,
        ):
            v.add("basis", "is not a known basis")
        refs.optional_id(v, "category_id", request.category_id, "every category")
        refs.id_list(v, "store_ids", request.store_ids, 50, required=False)
        since = datetime.now(UTC) - DEFAULT_WINDOW
        if request.HasField("changed_after"):
            since = times.timestamp(v, "changed_after", request.changed_after) or since
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, _CURSOR)
        after_drop, after_id = cursor if cursor is not None else (None, None)
        query = (
            Q.list_drops_vs_average
            if request.basis == api.DROP_BASIS_RECENT_AVERAGE
            else Q.list_price_drops
        )
        rows = await self.reads.fetch(
            query,
            min_drop,
            since,
            request.category_id or None,
            list(request.store_ids) or None,
            after_drop,
            after_id,
            size + 1,
        )
        page = rows[:size]
        products = catalog_convert.products_from_entries(
            await self.products.live_entries([r["id"] for r in page])
        )
        response = api.ListPriceDropsResponse()
        for r in page:
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
        if len(rows) > size:
            last = page[-1]
            response.next_page_token = await self.tokens.encode(
                request, [last["drop_bps"], last["id"]]
            )
        return response


AVERAGES_CHUNK = 500


async def refresh_averages(conn: Any, product_ids: list[int] | None = None) -> None:
    """Recompute 30-day averages: of these products, or (None) of every
    product whose average may still move (a best-price change within 31 days).

    A chunk of products per transaction, locked in id order as ingestion
    locks them: one statement over every product held their rows long
    enough for concurrent batches to time out, and in no order."""
    if product_ids is None:
        product_ids = [
            r["product_id"] for r in await conn.fetch(OFFERS.products_with_recent_best_changes)
        ]
    product_ids = sorted(product_ids)
    for i in range(0, len(product_ids), AVERAGES_CHUNK):
        chunk = product_ids[i : i + AVERAGES_CHUNK]
        async with conn.transaction():
            await conn.execute(OFFERS.lock_products, chunk)
            await conn.execute(OFFERS.refresh_price_averages, chunk)
