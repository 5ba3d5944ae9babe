"""Shared fixtures: a migrated template database built once per session, a
database cloned from it for the session, its own Redis key space, and a real
Vitrine server on an ephemeral port reached through real gRPC channels."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
import pytest
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine_server.config import Settings
from vitrine_server.db.migrate import Migrator
from vitrine_server.demo.seed import seed_demo

from tests.support import ADMIN_KEY, Env, admin_dsn, dsn_for

BASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/vitrine")
REDIS_URL = os.environ.get(
    "TEST_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
)
RUN_ID = uuid.uuid4().hex[:8]
# Every test server keeps its search index here (one folder per database).
SEARCH_DIR = tempfile.mkdtemp(prefix=f"vitrine-test-search-{RUN_ID}-")


@pytest.fixture(scope="session", autouse=True)
def _remove_search_indexes() -> Any:
    yield
    shutil.rmtree(SEARCH_DIR, ignore_errors=True)


# VITRINE_TEST_REDIS_CLUSTER=1: the run starts a Redis Cluster of its own
# (tests/cluster/servers.py) and every test server uses it as REDIS_URL
# (`make test` runs the subset CLUSTER_SUITE so).
CLUSTER_RUN = os.environ.get("VITRINE_TEST_REDIS_CLUSTER", "").lower() in {"1", "on", "true"}
_cluster: Any = None
# For tests that cut one Redis server's connections through a TCP proxy
# (tests/cluster/ fails a cluster's nodes instead).
single_redis = pytest.mark.skipif(
    CLUSTER_RUN, reason="proxies one Redis server; the cluster run has none"
)


def pytest_configure(config: pytest.Config) -> None:
    global REDIS_URL, _cluster
    if not CLUSTER_RUN:
        return
    import asyncio

    from tests.cluster.servers import OwnRedisCluster

    _cluster = OwnRedisCluster()
    try:
        asyncio.run(_cluster.start())
    except BaseException:
        _cluster.destroy()
        raise
    REDIS_URL = _cluster.url


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cluster is not None:
        _cluster.destroy()


@pytest_asyncio.fixture(scope="session")
async def template_db() -> AsyncIterator[str]:
    """A database with every migration applied, used as a template."""
    name = f"vitrine_test_tpl_{RUN_ID}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    await Migrator(dsn_for(BASE_URL, name)).up()
    yield name
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest_asyncio.fixture(scope="session")
async def database_url(template_db: str) -> AsyncIterator[str]:
    """The session's own database, cloned from the migrated template."""
    name = f"vitrine_test_{RUN_ID}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    yield dsn_for(BASE_URL, name)
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest_asyncio.fixture(scope="session")
async def env(database_url: str) -> AsyncIterator[Env]:
    """A running server (cache on) with a channel and a direct database connection."""
    settings = server_settings(database_url, f"vitrine-test-{RUN_ID}")
    async with Env.started(settings) as e:
        yield e
    await drop_redis_keys(settings)


def server_settings(database_url: str, redis_prefix: str, **overrides: Any) -> Settings:
    """A test server's settings: one process on an ephemeral port, readable logs."""
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        host="127.0.0.1",
        port=0,
        workers=1,
        log_format="text",
        shutdown_grace=1.0,
        shutdown_drain=0.0,
        # Access control on, as in production; the limit is high enough never
        # to refuse the suite's calls, so every call still runs the limiter.
        auth_enabled=True,
        bootstrap_admin_key=ADMIN_KEY,
        rate_limit_per_minute=10_000_000,
        rate_limit_burst=1_000_000,
        search_dir=SEARCH_DIR,
        # A test server is started with its search index ready, and every
        # search first waits until the index reflects the writes committed
        # before it: a test that writes and then searches is deterministic
        # (production searches see a write within about a second instead).
        search_ready_wait=30.0,
        search_read_your_writes=True,
        **overrides,
    )


async def drop_redis_keys(settings: Settings) -> None:
    from vitrine_server.cache.redis import connect

    r = connect(settings)
    try:
        async for key in r.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
            await r.delete(key)
    finally:
        await r.aclose()


@pytest_asyncio.fixture(scope="session")
async def demo_env(template_db: str) -> AsyncIterator[Env]:
    """A second server over its own database holding the demo catalog (3,000
    Portuguese and English products): the ground of the search relevance suite."""
    name = f"vitrine_test_demo_{RUN_ID}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    url = dsn_for(BASE_URL, name)
    conn = await asyncpg.connect(url)
    try:
        await seed_demo(conn)
    finally:
        await conn.close()
    settings = server_settings(url, f"vitrine-test-demo-{RUN_ID}")
    async with Env.started(settings) as e:
        yield e
    await drop_redis_keys(settings)
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest_asyncio.fixture
async def own_database(template_db: str) -> AsyncIterator[str]:
    """A database of the test's own, cloned from the template: for tests that
    count what one server does in PostgreSQL (its backends) or change the
    schema (partitions), apart from the session's server."""
    name = f"vitrine_test_own_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    try:
        yield dsn_for(BASE_URL, name)
    finally:
        admin = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def catalog(env: Env) -> catalog_service_pb2_grpc.CatalogServiceStub:
    return env.catalog


@pytest.fixture
def db(env: Env) -> asyncpg.Pool:
    return env.pool


__all__ = ["grpc"]
