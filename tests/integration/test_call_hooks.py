"""The call-hook seam of rpc/handlers.py: hooks run around every call, can
refuse one with a domain error, and see the final status code of each call."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc, store_pb2
from vitrine_server import errors
from vitrine_server.rpc.handlers import register_service

CATALOG = api.DESCRIPTOR.services_by_name["CatalogService"]


class Servicer:
    """Answers GetStore; every other method fails as a bug would."""

    async def GetStore(self, request: Any, context: Any) -> Any:
        if request.id == 404:
            raise errors.NotFound("store", str(request.id))
        return api.GetStoreResponse(store=store_pb2.Store(id=request.id))

    def __getattr__(self, name: str) -> Any:
        async def broken(request: Any, context: Any) -> Any:
            raise RuntimeError("a bug")

        return broken


class Recorder:
    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.seen: list[tuple[str, grpc.StatusCode]] = []

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata() or ())
        if self.refuse and metadata.get("x-refuse") == self.refuse:
            raise errors.VitrineError("refused by hook", reason="REFUSED")

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None:
        assert seconds >= 0
        self.seen.append((method.name, code))


@pytest.mark.asyncio
async def test_hooks_see_every_outcome_and_can_refuse() -> None:
    recorder = Recorder(refuse="yes")
    server = grpc.aio.server()
    register_service(server, CATALOG, Servicer(), [recorder])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
            assert (await stub.GetStore(api.GetStoreRequest(id=7))).store.id == 7
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetStore(api.GetStoreRequest(id=404))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            with pytest.raises(grpc.aio.AioRpcError) as bug:
                await stub.GetCategory(api.GetCategoryRequest(id=1))
            assert bug.value.code() == grpc.StatusCode.INTERNAL
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetStore(api.GetStoreRequest(id=7), metadata=(("x-refuse", "yes"),))
            assert refused.value.code() == grpc.StatusCode.INTERNAL  # VitrineError's default code
            assert "refused by hook" in (refused.value.details() or "")
    finally:
        await server.stop(None)
    assert recorder.seen == [
        ("GetStore", grpc.StatusCode.OK),
        ("GetStore", grpc.StatusCode.NOT_FOUND),
        ("GetCategory", grpc.StatusCode.INTERNAL),
        ("GetStore", grpc.StatusCode.INTERNAL),
    ]
