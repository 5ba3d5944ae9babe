"""Compatibility for pricing/, which imports ProductService from here and
reads products as protobuf through get_many. The catalog's own code uses
catalog.service; this goes once pricing does too."""

from __future__ import annotations

from vitrine.catalog.v1 import product_pb2

from vitrine_server.catalog import convert, service


class ProductService(service.ProductService):
    async def get_many(self, ids: list[int]) -> dict[int, product_pb2.Product]:
        """Live products among `ids` (missing and deleted ones left out)."""
        return convert.products_from_entries(await self.live_entries(ids))
