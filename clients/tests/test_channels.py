"""The client's channels against a real gRPC server on a real socket.

The server here is a scripted stand-in built from the generated servicers
(the client package alone, so these tests also run in a venv holding only
the client at its declared dependency floors); tests against the real
Vitrine server are in the server's suite (tests/integration/test_client.py).
The asyncio tests run on pytest-asyncio's loop: grpc.aio must not meet a
second event loop in one process (the server's suite shares this one).
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from vitrine.admin.v1 import admin_service_pb2, admin_service_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2, catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2, pricing_service_pb2_grpc
from vitrine.search.v1 import search_service_pb2, search_service_pb2_grpc
from vitrine_client import aio_connect, connect


class Script:
    """What the stand-in server saw, and how many first attempts of each
    method it answers UNAVAILABLE."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.fail_first: dict[str, int] = {}
        self.keys: list[str | None] = []

    def enter(self, method: str, context: grpc.ServicerContext) -> None:
        self.calls[method] += 1
        self.keys.append(dict(context.invocation_metadata()).get("authorization"))
        if self.calls[method] <= self.fail_first.get(method, 0):
            context.abort(grpc.StatusCode.UNAVAILABLE, "the stand-in is down")


class Catalog(catalog_service_pb2_grpc.CatalogServiceServicer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def GetProduct(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.enter("GetProduct", context)
        return catalog_service_pb2.GetProductResponse(product={"id": request.id, "name": "ok"})

    def RecordProductEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.enter("RecordProductEvents", context)
        return catalog_service_pb2.RecordProductEventsResponse()


class Pricing(pricing_service_pb2_grpc.PricingServiceServicer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def RecordPriceBatch(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.enter("RecordPriceBatch", context)
        return pricing_service_pb2.RecordPriceBatchResponse()


class Search(search_service_pb2_grpc.SearchServiceServicer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def GetSearchSettings(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.enter("GetSearchSettings", context)
        return search_service_pb2.GetSearchSettingsResponse()


class Admin(admin_service_pb2_grpc.AdminServiceServicer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def GetStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.enter("GetStatus", context)
        return admin_service_pb2.GetStatusResponse()


@pytest.fixture
def stand_in() -> Iterator[tuple[str, Script]]:
    script = Script()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server(Catalog(script), server)
    pricing_service_pb2_grpc.add_PricingServiceServicer_to_server(Pricing(script), server)
    search_service_pb2_grpc.add_SearchServiceServicer_to_server(Search(script), server)
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(Admin(script), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", script
    finally:
        server.stop(None)


def test_blocking_client_reaches_all_four_services_with_its_key(stand_in):
    target, script = stand_in
    with connect(target, api_key="vtr_test_key") as vitrine:
        vitrine.catalog.GetProduct(catalog_service_pb2.GetProductRequest(id=7))
        vitrine.pricing.RecordPriceBatch(pricing_service_pb2.RecordPriceBatchRequest())
        vitrine.search.GetSearchSettings(search_service_pb2.GetSearchSettingsRequest())
        vitrine.admin.GetStatus(admin_service_pb2.GetStatusRequest())
    assert set(script.calls) == {"GetProduct", "RecordPriceBatch", "GetSearchSettings", "GetStatus"}
    assert script.keys == ["Bearer vtr_test_key"] * 4


async def test_asyncio_client_reaches_all_four_services_with_its_key(stand_in):
    target, script = stand_in
    async with aio_connect(target, api_key="vtr_test_key") as vitrine:
        await vitrine.catalog.GetProduct(catalog_service_pb2.GetProductRequest(id=7))
        await vitrine.pricing.RecordPriceBatch(pricing_service_pb2.RecordPriceBatchRequest())
        await vitrine.search.GetSearchSettings(search_service_pb2.GetSearchSettingsRequest())
        await vitrine.admin.GetStatus(admin_service_pb2.GetStatusRequest())
    assert set(script.calls) == {"GetProduct", "RecordPriceBatch", "GetSearchSettings", "GetStatus"}
    assert script.keys == ["Bearer vtr_test_key"] * 4


def test_reads_and_keyed_writes_are_retried_on_unavailable(stand_in):
    target, script = stand_in
    script.fail_first = {"GetProduct": 1, "RecordPriceBatch": 2}
    with connect(target) as vitrine:
        got = vitrine.catalog.GetProduct(catalog_service_pb2.GetProductRequest(id=7))
        vitrine.pricing.RecordPriceBatch(pricing_service_pb2.RecordPriceBatchRequest(batch_id="b"))
    assert got.product.id == 7
    assert script.calls == {"GetProduct": 2, "RecordPriceBatch": 3}


async def test_counting_writes_are_never_sent_twice(stand_in):
    target, script = stand_in
    script.fail_first = {"RecordProductEvents": 1}
    async with aio_connect(target) as vitrine:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await vitrine.catalog.RecordProductEvents(
                catalog_service_pb2.RecordProductEventsRequest()
            )
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    assert script.calls == {"RecordProductEvents": 1}
