"""What the RPC boundary's checks (rpc/guard.py) cost per request, in
process: typical requests of the hot and the heavy RPCs, each checked many
times, the best of seven rounds, beside what parsing the same request costs
(the work grpcio does on every call anyway). CPU per call is this server's
limit, so this is the figure to watch when the guard grows.

    .venv/bin/python -m bench.guard_inprocess
"""

from __future__ import annotations

import functools
import timeit
from collections.abc import Callable

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine.search.v1 import search_service_pb2 as search
from vitrine_server.pricing.handlers import PricingHandlers
from vitrine_server.rpc.guard import RequestGuard

NOW = Timestamp(seconds=1_760_000_000)
BRL = dict(currency_code="BRL", amount_minor=199_900)


def requests() -> dict[str, Message]:
    return {
        "GetProduct": api.GetProductRequest(id=1),
        "GetProduct (max_staleness)": api.GetProductRequest(id=1, max_staleness=dict(seconds=2)),
        "BatchGetProducts (100 ids)": api.BatchGetProductsRequest(ids=list(range(1, 101))),
        "ListProducts (filter, token)": api.ListProductsRequest(
            page_size=20,
            order_by=api.PRODUCT_ORDER_RATING,
            filter=dict(category_id=3, brands=["Samsung", "LG"], min_price=BRL, max_price=BRL),
            page_token="x" * 60,
        ),
        "SearchProducts (facets)": search.SearchProductsRequest(
            query="celular samsung",
            page_size=20,
            facets=[dict(field=1), dict(field=4, price_edges_minor=[100_000, 200_000])],
            highlight=dict(pre_tag="<b>", post_tag="</b>"),
        ),
        "CreateProduct": api.CreateProductRequest(
            product=dict(
                slug="a",
                name="Nome",
                description="d" * 500,
                category_id=1,
                attributes={"cor": "azul", "tamanho": "M"},
                rating=4.5,
            )
        ),
        "UpsertOffers (1,000 offers)": api.UpsertOffersRequest(
            offers=[
                dict(
                    product_id=1,
                    store_id=1,
                    external_id=f"SKU-{i}",
                    url="https://x.com/p",
                    price=BRL,
                    in_stock=True,
                    observed_time=NOW,
                )
                for i in range(1000)
            ]
        ),
        "RecordPriceBatch (1,000 observations)": pricing.RecordPriceBatchRequest(
            batch_id="b",
            observations=[dict(offer_id=i, price=BRL, observed_time=NOW) for i in range(1000)],
        ),
    }


def _best_us(call: Callable[[], object], n: int) -> float:
    return min(timeit.repeat(call, number=n, repeat=7)) / n * 1e6


def main() -> None:
    exempt = PricingHandlers.items_checked_by_service
    print(f"{'request':40s} {'guard µs':>10s} {'parse µs':>10s}")
    for name, request in requests().items():
        check = RequestGuard(request.DESCRIPTOR, "/bench", exempt)
        data = request.SerializeToString()
        n = 100 if "1,000" in name else 20_000
        guard_us = _best_us(functools.partial(check, request), n)
        parse_us = _best_us(functools.partial(type(request).FromString, data), n)
        print(f"{name:40s} {guard_us:10.2f} {parse_us:10.2f}")


if __name__ == "__main__":
    main()
