"""The fault run beyond one machine: under a steady load through the client
(its service config's retries, round robin over both instances), kill an
instance, a Redis master (its replica takes over) and the PostgreSQL
replica, and count what reached the caller. Every call here is one the
retry policy may send again (reads), so any failure that reaches the caller
is one the policy could have absorbed: there must be none.

The figures are printed (`pytest -s tests/cluster/test_failover.py`)."""

from __future__ import annotations

import asyncio
import collections
import itertools
import signal
import uuid

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_client import aio_connect

from tests.cluster.conftest import Pair, Postgres
from tests.cluster.servers import OwnRedisCluster
from tests.support import ADMIN_KEY, make_category, make_product, start_command, stop_command

CONCURRENCY = 8


class Load:
    """Reads of every kind the instances serve (cached products, lists from
    the replica, trending from Redis alone), CONCURRENCY at a time, until stopped."""

    def __init__(self, client, product_ids: list[int], category_id: int):
        self.client = client
        self.ids = product_ids
        self.category_id = category_id
        self.outcomes: collections.Counter[str] = collections.Counter()
        self._stop = asyncio.Event()
        self.errors: list[str] = []

    KINDS = ("GetProduct", "BatchGetProducts", "ListProducts", "ListTrending")

    async def _one(self, n: int) -> None:
        c = self.client.catalog
        kind = n % 4
        if kind == 0:
            await c.GetProduct(api.GetProductRequest(id=self.ids[n % len(self.ids)]))
        elif kind == 1:
            await c.BatchGetProducts(api.BatchGetProductsRequest(ids=self.ids[:10]))
        elif kind == 2:
            await c.ListProducts(
                api.ListProductsRequest(filter=dict(category_id=self.category_id), page_size=10)
            )
        else:
            await c.ListTrending(api.ListTrendingRequest(limit=5))

    async def _worker(self, counter: itertools.count) -> None:
        while not self._stop.is_set():
            n = next(counter)
            kind = self.KINDS[n % 4]
            try:
                await self._one(n)
                self.outcomes["OK"] += 1
            except grpc.aio.AioRpcError as err:
                self.outcomes[f"{kind} {err.code().name}"] += 1
                self.errors.append(f"{kind} {err.code().name}: {err.details()}")

    async def run_while(self, fault, recovered=None) -> collections.Counter[str]:
        """Load for a second, then the fault, then until `recovered` (if
        given) and a second and a half more."""
        counter = itertools.count()
        workers = [asyncio.create_task(self._worker(counter)) for _ in range(CONCURRENCY)]
        try:
            await asyncio.sleep(1.0)
            await fault()
            if recovered is not None:
                await recovered()
            await asyncio.sleep(1.5)
        finally:
            self._stop.set()
            await asyncio.gather(*workers)
        return self.outcomes


def _report(what: str, outcomes: collections.Counter[str]) -> None:
    failed = sum(n for code, n in outcomes.items() if code != "OK")
    print(f"\n{what}: {sum(outcomes.values())} calls, {failed} failed {dict(outcomes)}")


async def _catalog(env) -> tuple[list[int], int]:
    category = await make_category(env.catalog)
    ids = [(await make_product(env.catalog, category.id)).id for _ in range(20)]
    return ids, category.id


async def test_an_instance_killed_under_load(postgres: Postgres, redis_cluster: OwnRedisCluster):
    prefix = f"cluster-kill-{uuid.uuid4().hex[:8]}"
    common = dict(
        VITRINE_REPLICA_URLS=postgres.replica_url,
        # As the in-process test servers: limits too high to refuse the load.
        VITRINE_RATE_LIMIT_PER_MINUTE="10000000",
        VITRINE_RATE_LIMIT_BURST="1000000",
    )
    a, port_a = await start_command(postgres.url, redis_cluster.url, prefix, **common)
    b, port_b = await start_command(postgres.url, redis_cluster.url, prefix, **common)
    try:
        targets = [f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"]
        async with aio_connect(targets, api_key=ADMIN_KEY) as client:
            await _wait_ready(client)
            ids, category = await _catalog(client)

            async def kill_a() -> None:
                a.send_signal(signal.SIGKILL)

            load = Load(client, ids, category)
            outcomes = await load.run_while(kill_a)
        _report("instance killed (SIGKILL)", outcomes)
        print(load.errors[:5])
        assert set(outcomes) == {"OK"}, outcomes
    finally:
        for proc in (a, b):
            await stop_command(proc, within=15)


async def _wait_ready(client) -> None:
    for _ in range(100):
        try:
            await client.catalog.ListStores(api.ListStoresRequest(), timeout=1)
            return
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.1)
    raise AssertionError("the instances did not start")


async def test_a_redis_master_killed_under_load(pair: Pair, redis_cluster: OwnRedisCluster):
    async with aio_connect([pair.a.target, pair.b.target], api_key=ADMIN_KEY) as client:
        ids, category = await _catalog(client)
        # The master of the trending sets: Redis-only data, the hardest case.
        victim = await redis_cluster.master_of(pair.a.server.cache.keys.trending())

        async def kill_master() -> None:
            redis_cluster.kill(victim)

        started = asyncio.get_running_loop().time()
        took = []

        async def failed_over() -> None:
            await redis_cluster.wait_ok()
            took.append(asyncio.get_running_loop().time() - started)

        try:
            outcomes = await Load(client, ids, category).run_while(kill_master, failed_over)
            _report(
                f"Redis master killed, its replica promoted within {took[0] - 1:.1f}s", outcomes
            )
        finally:
            await redis_cluster.wait_ok()
            await redis_cluster.restart(victim)
            await redis_cluster.wait_ok()
    # Trending lives in Redis alone: while no master holds its slot (the
    # node timeout, then the election: seconds, longer than the client's
    # retries wait) each process serves the ranking it last read; everything
    # else is served from PostgreSQL meanwhile.
    assert set(outcomes) == {"OK"}, outcomes


async def test_the_replica_killed_under_load(pair: Pair, postgres: Postgres):
    async with aio_connect([pair.a.target, pair.b.target], api_key=ADMIN_KEY) as client:
        ids, category = await _catalog(client)

        async def kill_replica() -> None:
            await postgres.replica.crash()

        try:
            outcomes = await Load(client, ids, category).run_while(kill_replica)
            _report("PostgreSQL replica killed", outcomes)
        finally:
            await postgres.replica.start()
    assert set(outcomes) == {"OK"}, outcomes
