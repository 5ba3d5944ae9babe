"""The fault suite: a PostgreSQL and a Redis of its own (instances.py), and a
Vitrine server over them, for tests that kill, hang, flush and lock them.
Every test here is marked `faults` (`make test-faults` runs only these);
`make test` runs them with the rest."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from vitrine_server.config import Settings
from vitrine_server.db.migrate import Migrator

from tests.conftest import server_settings
from tests.faults.instances import OwnPostgres, OwnRedis, why_not_available
from tests.support import Env

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest_asyncio.fixture(scope="session")
async def own_pg() -> AsyncIterator[OwnPostgres]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    pg = OwnPostgres()
    try:
        await pg.init()
        conn = await asyncpg.connect(pg.dsn())
        await conn.execute("CREATE DATABASE vitrine")
        await conn.close()
        await Migrator(pg.dsn("vitrine")).up()
        yield pg
    finally:
        await pg.destroy()


@pytest_asyncio.fixture(scope="session")
async def own_redis() -> AsyncIterator[OwnRedis]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    redis = OwnRedis()
    try:
        await redis.start()
        yield redis
    finally:
        await redis.destroy()


async def heal(pg: OwnPostgres, redis: OwnRedis) -> None:
    """Both servers up and answering, whatever a test did to them."""
    await pg.resume()
    if not await pg.running():
        await pg.start()
    await redis.resume()
    if redis.proc is None or redis.proc.returncode is not None:
        await redis.start()


def fault_settings(pg: OwnPostgres, redis: OwnRedis, **overrides: Any) -> Settings:
    """The test server's settings (tests/conftest.py), over the suite's servers."""
    settings = server_settings(pg.dsn("vitrine"), f"faults-{uuid.uuid4().hex[:8]}")
    return dataclasses.replace(settings, redis_url=redis.url, **overrides)


@pytest_asyncio.fixture
async def fenv(own_pg: OwnPostgres, own_redis: OwnRedis) -> AsyncIterator[Env]:
    """A server (one process, in the test's) over the suite's own servers,
    which are healed before and after the test."""
    await heal(own_pg, own_redis)
    async with Env.started(fault_settings(own_pg, own_redis)) as e:
        try:
            yield e
        finally:
            await heal(own_pg, own_redis)
