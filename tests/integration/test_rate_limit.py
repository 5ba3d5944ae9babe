"""Per-key rate limits: GCRA in Redis shared by every server, refusals with
RetryInfo and QuotaFailure; with Redis down, reads fail open (and say so)
while writes are limited per process."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlsplit

import grpc
import pytest
import pytest_asyncio
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.type.v1 import access_pb2

from tests.conftest import REDIS_URL, single_redis
from tests.proxy import TcpProxy
from tests.support import Env, details, unique

GET_STORE = "/vitrine.catalog.v1.CatalogService/GetStore"
CREATE_STORE = "/vitrine.catalog.v1.CatalogService/CreateStore"


async def limited_key(env: Env, per_minute: int, burst: int) -> tuple[str, str]:
    response = await env.admin.CreateApiKey(
        admin.CreateApiKeyRequest(
            api_key=dict(
                name=unique("limited"),
                scopes=[access_pb2.SCOPE_READ, access_pb2.SCOPE_WRITE],
                requests_per_minute=per_minute,
                burst=burst,
            )
        )
    )
    return response.api_key.id, response.token


async def outcome(channel: grpc.aio.Channel, path: str, token: str, request) -> grpc.StatusCode:
    call = channel.unary_unary(path, request_serializer=type(request).SerializeToString)
    try:
        await call(request, metadata=(("authorization", f"Bearer {token}"),), timeout=5)
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


async def test_burst_then_refused_with_retry_info(env):
    key_id, token = await limited_key(env, per_minute=60, burst=3)
    request = api.GetStoreRequest(id=999_999_999)
    codes = [await outcome(env.bare_channel, GET_STORE, token, request) for _ in range(3)]
    assert codes == [grpc.StatusCode.NOT_FOUND] * 3  # let through, then answered
    call = env.bare_channel.unary_unary(GET_STORE, request_serializer=request.SerializeToString)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(request, metadata=(("authorization", f"Bearer {token}"),))
    err = refused.value
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    found = details(err)
    assert found["ErrorInfo"].reason == "RATE_LIMITED"
    delay = found["RetryInfo"].retry_delay.ToTimedelta().total_seconds()
    assert 0 < delay <= 1.0  # one call a second
    assert found["QuotaFailure"].violations[0].subject == f"api_key:{key_id}"
    assert env.server.limiter is not None and env.server.limiter.limited_total >= 1


async def test_the_limit_is_shared_by_every_server(env):
    _, token = await limited_key(env, per_minute=60, burst=4)
    request = api.GetStoreRequest(id=999_999_999)
    async with Env.started(env.settings) as other:
        codes = []
        for channel in (env.bare_channel, other.bare_channel) * 2:
            codes.append(await outcome(channel, GET_STORE, token, request))
        assert codes == [grpc.StatusCode.NOT_FOUND] * 4
        assert (
            await outcome(other.bare_channel, GET_STORE, token, request)
            == grpc.StatusCode.RESOURCE_EXHAUSTED
        )


async def test_each_key_has_its_own_limit(env):
    _, first = await limited_key(env, per_minute=60, burst=1)
    _, second = await limited_key(env, per_minute=60, burst=1)
    request = api.GetStoreRequest(id=999_999_999)
    assert await outcome(env.bare_channel, GET_STORE, first, request) == grpc.StatusCode.NOT_FOUND
    assert (
        await outcome(env.bare_channel, GET_STORE, first, request)
        == grpc.StatusCode.RESOURCE_EXHAUSTED
    )
    assert await outcome(env.bare_channel, GET_STORE, second, request) == grpc.StatusCode.NOT_FOUND


@pytest_asyncio.fixture
async def redis_proxy():
    target = urlsplit(REDIS_URL)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.cut()


@single_redis
async def test_redis_down_reads_fail_open_and_writes_are_limited_per_process(
    env, redis_proxy, caplog
):
    parts = urlsplit(REDIS_URL)
    settings = dataclasses.replace(
        env.settings,
        redis_url=parts._replace(netloc=f"127.0.0.1:{redis_proxy.port}").geturl(),
        redis_prefix=unique("vitrine-rl"),
    )
    async with Env.started(settings) as e:
        _, token = await limited_key(e, per_minute=60, burst=2)
        read = api.GetStoreRequest(id=999_999_999)
        write = api.CreateStoreRequest()  # invalid: let through, it answers INVALID_ARGUMENT
        assert await outcome(e.bare_channel, GET_STORE, token, read) == grpc.StatusCode.NOT_FOUND
        await redis_proxy.cut()
        limiter = e.server.limiter
        assert limiter is not None
        reads = [await outcome(e.bare_channel, GET_STORE, token, read) for _ in range(10)]
        assert reads == [grpc.StatusCode.NOT_FOUND] * 10, "reads fail open"
        assert limiter.fail_open_total >= 10
        writes = [await outcome(e.bare_channel, CREATE_STORE, token, write) for _ in range(3)]
        assert writes == [
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
        ], "writes are still limited, in process"
        assert limiter.local_fallback_total == 3
        warnings = [r for r in caplog.records if "rate limits fail open" in r.getMessage()]
        assert len(warnings) == 1, "logged once per outage"


async def test_concurrent_calls_share_one_decision_and_the_burst_holds(env):
    _, token = await limited_key(env, per_minute=60, burst=4)
    request = api.GetStoreRequest(id=999_999_999)
    codes = await asyncio.gather(
        *(outcome(env.bare_channel, GET_STORE, token, request) for _ in range(10))
    )
    assert codes.count(grpc.StatusCode.NOT_FOUND) == 4
    assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 6


async def test_a_busy_key_is_decided_in_process_and_never_over_admitted(env):
    # Burst 200: a busy process may take up to 20 calls ahead from Redis.
    _, token = await limited_key(env, per_minute=6, burst=200)
    limiter = env.server.limiter
    assert limiter is not None
    asks = limiter.redis_asks_total
    request = api.GetStoreRequest(id=999_999_999)
    codes = [await outcome(env.bare_channel, GET_STORE, token, request) for _ in range(260)]
    allowed = codes.count(grpc.StatusCode.NOT_FOUND)
    assert 180 <= allowed <= 200, "leases lose at most one lease, and never add"
    assert codes[allowed:] == [grpc.StatusCode.RESOURCE_EXHAUSTED] * (260 - allowed)
    assert limiter.redis_asks_total - asks < 60, "most calls never waited for Redis"
