"""The server's own surface: health per service, reflection (including the
error detail types, so grpcurl prints them), and a graceful drain."""

from __future__ import annotations

import asyncio
import dataclasses

from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import Env, eventually


async def test_health_per_service(env):
    stub = health_pb2_grpc.HealthStub(env.channel)
    for service in ("", "vitrine.catalog.v1.CatalogService"):
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def _reflect(channel, request: reflection_pb2.ServerReflectionRequest):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([request]))
    async for response in call:
        return response
    raise AssertionError("no reflection response")


async def test_reflection_lists_services_and_resolves_error_details(env):
    listed = await _reflect(env.channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in listed.list_services_response.service}
    assert {"vitrine.catalog.v1.CatalogService", "grpc.health.v1.Health"} <= names
    for symbol in (
        "google.rpc.BadRequest",
        "google.rpc.ErrorInfo",
        "google.rpc.ResourceInfo",
        "vitrine.catalog.v1.Product",
    ):
        found = await _reflect(
            env.channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)
        )
        assert found.HasField("file_descriptor_response"), symbol


async def test_graceful_shutdown_drains_in_flight_calls(env):
    settings = dataclasses.replace(env.settings, shutdown_grace=10.0, cache_enabled=False)
    async with Env.started(settings) as e:
        async with e.pool.acquire() as blocker:
            # Hold a lock so the calls below are provably in flight, waiting in PostgreSQL.
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE")
            pending = [
                asyncio.ensure_future(e.catalog.ListStores(api.ListStoresRequest(page_size=5)))
                for _ in range(10)
            ]

            async def all_waiting() -> bool:
                n = await e.pool.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                    "AND query LIKE '%FROM stores%'"
                )
                # Every call, not just the first, must be in flight before the stop.
                return n >= len(pending)

            await eventually(all_waiting)
            await asyncio.sleep(0.2)
            stopping = asyncio.ensure_future(e.server.stop(grace=10.0))
            await asyncio.sleep(0.3)
            assert not stopping.done(), "stop waits for the in-flight calls"
            await tx.rollback()
        results = await asyncio.gather(*pending, return_exceptions=True)
        await stopping
        failed = [r for r in results if isinstance(r, BaseException)]
        assert not failed, failed[:2]
