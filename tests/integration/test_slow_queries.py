"""ListSlowQueries against a PostgreSQL that preloads pg_stat_statements.

The machine's PostgreSQL does not (and is not ours to restart), so this test
starts a throwaway server of its own with initdb and pg_ctl, on a free port,
with the library preloaded, for a few seconds."""

from __future__ import annotations

import asyncio
import dataclasses
import glob
import os
import pwd
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
import pytest_asyncio
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.db.migrate import Migrator

from tests.support import Env, details, expect_error, unique


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _run(*argv: str) -> None:
    # initdb and postgres refuse to run as root: run them as `postgres` then.
    if os.geteuid() == 0:
        argv = ("runuser", "-u", "postgres", "--", *argv)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {out.decode(errors='replace')[-2000:]}")


@pytest_asyncio.fixture
async def preloaded_pg() -> AsyncIterator[str]:
    """A DSN of a fresh migrated database on a throwaway preloading server."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("initdb is not installed (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` user for initdb to run as")
    root = tempfile.mkdtemp(prefix="vitrine-pgss-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), _free_port()
    try:
        await _run(
            f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
            "-c shared_preload_libraries=pg_stat_statements -c fsync=off"
        )
        log = os.path.join(root, "log")
        await _run(f"{bindir}/pg_ctl", "start", "-D", data, "-o", options, "-l", log, "-w")
        try:
            base = f"postgresql://postgres@127.0.0.1:{port}"
            conn = await asyncpg.connect(f"{base}/postgres")
            await conn.execute("CREATE DATABASE vitrine")
            await conn.close()
            await Migrator(f"{base}/vitrine").up()
            yield f"{base}/vitrine"
        finally:
            await _run(f"{bindir}/pg_ctl", "stop", "-D", data, "-m", "immediate", "-w")
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_slow_queries_from_pg_stat_statements(env, preloaded_pg):
    settings = dataclasses.replace(
        env.settings, database_url=preloaded_pg, redis_prefix=unique("vitrine-pgss")
    )
    async with Env.started(settings) as e:
        # Loaded, but not created in this database yet: say how.
        err = await expect_error(
            e.admin.ListSlowQueries(admin.ListSlowQueriesRequest()),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert details(err)["ErrorInfo"].reason == "PG_STAT_STATEMENTS_NOT_CREATED"
        await e.pool.execute("CREATE EXTENSION pg_stat_statements")
        for _ in range(5):
            await e.catalog.ListStores(api.ListStoresRequest(page_size=2))
        found = await e.admin.ListSlowQueries(
            admin.ListSlowQueriesRequest(order_by=admin.SLOW_QUERY_ORDER_CALLS, limit=50)
        )
        stores = [q for q in found.queries if "FROM stores" in q.query]
        assert stores and stores[0].calls >= 5
        assert stores[0].mean_time.ToNanoseconds() > 0
        by_mean = await e.admin.ListSlowQueries(
            admin.ListSlowQueriesRequest(order_by=admin.SLOW_QUERY_ORDER_MEAN_TIME, min_calls=5)
        )
        means = [q.mean_time.ToNanoseconds() for q in by_mean.queries]
        assert means == sorted(means, reverse=True) and all(q.calls >= 5 for q in by_mean.queries)
