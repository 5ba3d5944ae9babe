"""Work shared by callers, or outliving its caller, belongs to none of them.

One caller's short deadline (or its cancellation) must not fail the others
that joined the same work: a key check, a coalesced read, a rate-limit ask.
And a long-running operation runs on after the call that started it, and
records its end, whatever that call's deadline was."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json

import grpc
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.admin.v1 import operation_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.type.v1 import access_pb2

from tests.integration.test_access import bearer, create_key
from tests.integration.test_admin import FakeReindexer
from tests.support import Env, eventually, make_category, make_product

LOCK_WAIT = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock' AND query LIKE $1"
)


async def _waiting_on_lock(pool, like: str) -> bool:
    return bool(await pool.fetchval(LOCK_WAIT, like))


async def test_a_short_deadline_does_not_fail_others_sharing_a_key_check(env):
    _, token = await create_key(env, access_pb2.SCOPE_READ)
    request = api.ListStoresRequest(page_size=1)
    async with env.pool.acquire() as blocker:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE")
        short = asyncio.ensure_future(
            env.catalog.ListStores(request, metadata=bearer(token), timeout=0.3)
        )
        await eventually(lambda: _waiting_on_lock(env.pool, "%api_keys%"))
        patient = asyncio.ensure_future(
            env.catalog.ListStores(request, metadata=bearer(token), timeout=10)
        )
        await asyncio.sleep(0.6)  # the short one has given up by now
        await tx.rollback()
    try:
        await short
        raise AssertionError("the 0.3 s call should have run out of time")
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert (await patient).stores is not None


async def test_a_short_deadline_does_not_fail_others_sharing_a_read(env):
    settings = dataclasses.replace(env.settings, cache_enabled=False)
    async with Env.started(settings) as e:
        category = await make_category(e.catalog)
        product = await make_product(e.catalog, category.id)
        request = api.GetProductRequest(id=product.id)
        async with e.pool.acquire() as blocker:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
            # Sent together, so they share one query (db/coalesce.py).
            short = asyncio.ensure_future(e.catalog.GetProduct(request, timeout=0.3))
            patient = asyncio.ensure_future(e.catalog.GetProduct(request, timeout=10))
            await asyncio.sleep(0.6)
            await tx.rollback()
        try:
            await short
            raise AssertionError("the 0.3 s call should have run out of time")
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert (await patient).product.id == product.id


async def _op(e: Env, name: str) -> operation_pb2.Operation:
    return (await e.admin.GetOperation(admin.GetOperationRequest(name=name))).operation


async def test_an_operation_outlives_the_deadline_of_the_call_that_started_it(env):
    search = FakeReindexer(documents=10)
    async with Env.started(env.settings, search=search) as e:
        started = (await e.admin.ReindexSearch(admin.ReindexSearchRequest(), timeout=0.3)).operation
        await asyncio.sleep(0.5)  # the caller's deadline is long gone
        search.release.set()

        async def finished() -> bool:
            return (await _op(e, started.name)).done

        await eventually(finished)
        op = await _op(e, started.name)
        assert op.WhichOneof("result") == "response", op.error
        result = operation_pb2.ReindexSearchResult()
        op.response.Unpack(result)
        assert result.indexed == 10
        # Nothing is left running: the next reindex starts at once.
        search.release.clear()
        again = (await e.admin.ReindexSearch(admin.ReindexSearchRequest())).operation
        assert again.name != started.name and not again.done
        search.release.set()
        await eventually(lambda: _done(e, again.name))


async def _done(e: Env, name: str) -> bool:
    return (await _op(e, name)).done


async def test_an_operation_starts_even_when_its_caller_gave_up_first(env):
    search = FakeReindexer(documents=4)
    search.release.set()
    since = dt.datetime.now(dt.UTC)
    async with Env.started(env.settings, search=search) as e:
        async with e.pool.acquire() as blocker:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("LOCK TABLE operations IN ACCESS EXCLUSIVE MODE")
            try:
                await e.admin.ReindexSearch(admin.ReindexSearchRequest(), timeout=0.3)
                raise AssertionError("the row could not be written within 0.3 s")
            except grpc.aio.AioRpcError as err:
                assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            await tx.rollback()

        async def recorded() -> bool:
            row = await e.pool.fetchrow(
                "SELECT done, error_code, result FROM operations "
                "WHERE kind = 'reindex-search' AND created_at >= $1",
                since,
            )
            return row is not None and row["done"]

        await eventually(recorded)
        row = await e.pool.fetchrow(
            "SELECT error_code, result FROM operations "
            "WHERE kind = 'reindex-search' AND created_at >= $1",
            since,
        )
        assert row["error_code"] is None and json.loads(row["result"]) == {"indexed": 4}
