"""The deals feed: products whose best price just fell, against the
previous best price or the 30-day average (both kept on the product and
indexed: migrations 0003 and 0005). Checked in validate.py, queried in
store.py, turned into protobuf in convert.py."""

from __future__ import annotations

from vitrine_server.catalog.service import ProductService
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import Reader
from vitrine_server.pricing import store
from vitrine_server.pricing.model import DropPage, DropQuery

# Partition upkeep refreshes the averages (store.py); named here too, where
# the feed that reads them is.
refresh_averages = store.refresh_averages


class DropService:
    def __init__(self, db: Database, products: ProductService, reads: Reader | None = None):
        self.db = db
        self.products = products
        # The feed may lag: replicas when configured (db/replicas.py).
        self.reads: Reader = reads or db

    async def page(self, query: DropQuery) -> DropPage:
        rows = await store.drops(self.reads, query)
        page = rows[: query.size]
        products = await self.products.live_entries([r["id"] for r in page])
        cursor = None
        if len(rows) > query.size:
            cursor = [page[-1]["drop_bps"], page[-1]["id"]]
        return DropPage(page, products, cursor)
