"""The project's own fuzz run: every RPC of every service, mutated.

`make test` runs a short seeded run (VITRINE_FUZZ_CALLS, default 2,000);
`make fuzz` a long one with a fresh seed, printed so a failure can be
replayed (`make fuzz FUZZ_SEED=<seed>`). The server runs over its own
database and Redis prefix: the run creates, deletes and revokes freely.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2 as catalog

from tests.conftest import BASE_URL, RUN_ID, drop_redis_keys, server_settings
from tests.fuzz.run import Fuzzer, serving
from tests.fuzz.world import World, build_world, missing_seeds, seeds
from tests.support import Env, admin_dsn, dsn_for

CALLS = int(os.environ.get("VITRINE_FUZZ_CALLS", "2000"))
SEED = int(os.environ.get("VITRINE_FUZZ_SEED", "20261125"))


@pytest_asyncio.fixture(scope="module")
async def fuzz_env(template_db: str) -> AsyncIterator[tuple[Env, World]]:
    name = f"vitrine_test_fuzz_{RUN_ID}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    settings = server_settings(dsn_for(BASE_URL, name), f"vitrine-test-fuzz-{uuid.uuid4().hex}")
    try:
        async with Env.started(settings) as env:
            yield env, await build_world(env)
    finally:
        await drop_redis_keys(settings)
        admin = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_every_rpc_has_a_seed(fuzz_env):
    _, world = fuzz_env
    assert missing_seeds(world) == [], "give each new RPC a valid request in tests/fuzz/world.py"


async def test_fuzz(fuzz_env):
    env, world = fuzz_env
    fuzzer = Fuzzer(env.channel, seeds(world), SEED)
    warm = await fuzzer.warm_up()
    invalid_seeds = [o for o in warm.failures if o.code == grpc.StatusCode.INVALID_ARGUMENT]
    report = await fuzzer.run(CALLS)
    print(f"\nfuzz seed {SEED}: {report.summary()}")
    assert await serving(env.channel) == dict.fromkeys(
        [
            "",
            "vitrine.catalog.v1.CatalogService",
            "vitrine.pricing.v1.PricingService",
            "vitrine.search.v1.SearchService",
            "vitrine.admin.v1.AdminService",
        ],
        "SERVING",
    )
    # And it still answers an ordinary call (the run may have deleted the product: softly).
    await env.catalog.GetProduct(
        catalog.GetProductRequest(id=world.product_ids[0], show_deleted=True)
    )
    assert not warm.failures and not invalid_seeds, warm.summary()
    assert not report.failures, f"seed {SEED}: {report.summary()}"
