"""Beyond one machine, on this one: a PostgreSQL primary with a streaming
replica and a three-master Redis Cluster (servers.py), started once for the
session, and two Vitrine instances over them (`pair`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from vitrine_server.config import Settings
from vitrine_server.db.migrate import Migrator

from tests.cluster.servers import OwnPrimary, OwnRedisCluster, OwnReplica, why_not_available
from tests.conftest import server_settings
from tests.support import Env


@dataclasses.dataclass
class Postgres:
    primary: OwnPrimary
    replica: OwnReplica

    @property
    def url(self) -> str:
        return self.primary.dsn("vitrine")

    @property
    def replica_url(self) -> str:
        return self.replica.dsn("vitrine")


@pytest_asyncio.fixture(scope="session")
async def postgres() -> AsyncIterator[Postgres]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    primary = OwnPrimary()
    replica = OwnReplica(primary)
    try:
        await primary.init()
        conn = await asyncpg.connect(primary.dsn())
        await conn.execute("CREATE DATABASE vitrine")
        await conn.close()
        await Migrator(primary.dsn("vitrine")).up()
        await replica.init()
        yield Postgres(primary, replica)
    finally:
        await replica.destroy()
        await primary.destroy()


@pytest_asyncio.fixture(scope="session")
async def redis_cluster() -> AsyncIterator[OwnRedisCluster]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    cluster = OwnRedisCluster()
    try:
        await cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def cluster_settings(
    postgres: Postgres, cluster: OwnRedisCluster, prefix: str, **overrides: Any
) -> Settings:
    settings = server_settings(postgres.url, prefix)
    return dataclasses.replace(
        settings,
        redis_url=cluster.url,
        replica_urls=(postgres.replica_url,),
        **overrides,
    )


@dataclasses.dataclass
class Pair:
    a: Env
    b: Env


@pytest_asyncio.fixture
async def pair(postgres: Postgres, redis_cluster: OwnRedisCluster) -> AsyncIterator[Pair]:
    """Two instances (one process each) sharing the primary, its replica and
    the Redis Cluster, under one key prefix, as one deployment runs."""
    await postgres.replica.resume()
    if not await postgres.replica.running():
        await postgres.replica.start()
    await postgres.replica.resume_replay()
    prefix = f"cluster-{uuid.uuid4().hex[:8]}"
    async with (
        Env.started(cluster_settings(postgres, redis_cluster, prefix)) as a,
        Env.started(cluster_settings(postgres, redis_cluster, prefix)) as b,
    ):
        yield Pair(a, b)
