"""SIGTERM while PostgreSQL and Redis hang: the real command stops within its
drain and grace periods (it took 15.4 s against a 10 s grace before), and
the calls stuck on the hung servers end with UNAVAILABLE, not CANCELLED."""

from __future__ import annotations

import asyncio
import collections

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc

from tests.faults.instances import OwnPostgres, OwnRedis
from tests.support import ADMIN_KEY, start_command, stop_command

DRAIN_S, GRACE_S = 0.5, 3.0


async def test_sigterm_with_postgres_and_redis_hung_stops_within_the_grace(
    own_pg: OwnPostgres, own_redis: OwnRedis, fenv
):
    proc, port = await start_command(
        own_pg.dsn("vitrine"),
        own_redis.url,
        "faults-stop",
        workers=2,
        VITRINE_CACHE="off",
        VITRINE_SHUTDOWN_DRAIN=str(DRAIN_S),
        VITRINE_SHUTDOWN_GRACE=str(GRACE_S),
    )
    metadata = (("authorization", f"Bearer {ADMIN_KEY}"),)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
    codes: collections.Counter[str] = collections.Counter()
    try:
        for _ in range(300):  # spawn + imports: slow on a busy machine
            try:
                await stub.ListStores(
                    api.ListStoresRequest(page_size=1), metadata=metadata, timeout=2
                )
                break
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)

        async def stuck(n: int) -> None:
            try:
                await stub.ListStores(
                    api.ListStoresRequest(page_size=n), metadata=metadata, timeout=60
                )
                codes["OK"] += 1
            except grpc.aio.AioRpcError as err:
                codes[err.code().name] += 1

        own_pg.pause()
        own_redis.pause()
        calls = [asyncio.ensure_future(stuck(n)) for n in range(1, 6)]
        await asyncio.sleep(0.5)
        took, log = await stop_command(proc)
        await asyncio.gather(*calls)
    finally:
        await own_pg.resume()
        await own_redis.resume()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await channel.close()
    assert proc.returncode == 0, log[-2000:]
    print(f"\nSIGTERM with PostgreSQL and Redis hung: exit after {took:.2f} s, {dict(codes)}")
    assert took < DRAIN_S + GRACE_S + 1.5, f"stopped {took:.2f} s after SIGTERM"
    assert codes == {"UNAVAILABLE": 5}, codes
