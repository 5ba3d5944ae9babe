"""A statement blocked in PostgreSQL never costs more backends than the pool
holds (db/backends.py): a deadline cancels the statement and the connection
is returned once PostgreSQL acknowledged it; one PostgreSQL never heard the
cancel of is ended, and its slot waits until its backend is gone.

The cancels are dropped on the way (a proxy) to make the worst case certain:
each timed-out statement then leaves a backend blocked on the lock after
its connection was given up, which is how a locked table once turned a pool
of 40 into 64 backends."""

from __future__ import annotations

import asyncio
import collections

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.faults.conftest import fault_settings
from tests.proxy import TcpProxy
from tests.support import Env

POOL = 8
# How long the table stays locked under calls.
STORM_S = 7.0
BACKENDS = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND application_name = 'vitrine'"
)


async def test_a_locked_table_never_takes_more_backends_than_the_pool(own_pg, own_redis):
    proxy = TcpProxy("127.0.0.1", own_pg.port)
    await proxy.start()
    # Without TLS negotiation, a cancel request is the first thing sent.
    through_proxy = f"postgresql://postgres@127.0.0.1:{proxy.port}/vitrine?sslmode=disable"
    settings = fault_settings(
        own_pg, own_redis, database_url=through_proxy, pool_max_size=POOL, cache_enabled=False
    )
    try:
        async with Env.started(settings) as e:
            await e.catalog.ListProducts(api.ListProductsRequest(page_size=1))
            proxy.drop_pg_cancels = True
            most = 0

            async def backends() -> int:
                # Counted on the database itself, not through the proxy.
                return int(await e.pool.fetchval(BACKENDS))

            codes: collections.Counter[str] = collections.Counter()
            loop = asyncio.get_running_loop()
            until = loop.time() + STORM_S

            async def caller(i: int) -> None:
                # A closed loop: a call with a short deadline after another.
                while loop.time() < until:
                    request = api.ListProductsRequest(page_size=1 + i % 5)
                    try:
                        await e.catalog.ListProducts(request, timeout=0.5)
                        codes["OK"] += 1
                    except grpc.aio.AioRpcError as err:
                        codes[err.code().name] += 1

            async with e.pool.acquire() as blocker:
                tx = blocker.transaction()
                await tx.start()
                await blocker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
                callers = asyncio.ensure_future(asyncio.gather(*(caller(i) for i in range(50))))
                while not callers.done():
                    most = max(most, await backends())
                    await asyncio.sleep(0.05)
                await tx.rollback()
            assert set(codes) == {"DEADLINE_EXCEEDED"}, codes
            assert proxy.dropped_cancels > 0, "the cancels were dropped"
            assert most <= POOL, f"{most} backends for a pool of {POOL}"
            assert e.server.db.backends.lingering > 0, "ended connections hold their slots"
    finally:
        await proxy.cut()
