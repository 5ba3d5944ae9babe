"""Access control on every RPC of every service: no key, a wrong key, a key
without the method's scope, revoked and expired keys; health and reflection
open; revocations reaching other processes through Redis pub/sub."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.type.v1 import access_pb2
from vitrine_server.access import scopes
from vitrine_server.app import SERVICES

from tests.support import Env, details, eventually, unique


async def served(env: Env) -> list[ServiceDescriptor]:
    """Every service the running server exposes (by reflection), but grpcio's own:
    a service added later (and forgotten in app.SERVICES) is covered too."""
    stub = reflection_pb2_grpc.ServerReflectionStub(env.bare_channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for response in stub.ServerReflectionInfo(iter([request])):
        names = [s.name for s in response.list_services_response.service]
        break
    pool = descriptor_pool.Default()
    return [pool.FindServiceByName(n) for n in names if not n.startswith("grpc.")]


async def every_method(env: Env) -> list[MethodDescriptor]:
    return [m for service in await served(env) for m in service.methods]


# A key of each single scope; a method needing X is called with one lacking X.
SCOPE_OF = {
    scopes.READ: access_pb2.SCOPE_READ,
    scopes.WRITE: access_pb2.SCOPE_WRITE,
    scopes.INGEST: access_pb2.SCOPE_INGEST,
}


async def call(channel: grpc.aio.Channel, method: MethodDescriptor, **kwargs: Any) -> Any:
    """Call `method` with an empty request over `channel`; raw bytes back."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    request = message_factory.GetMessageClass(method.input_type)()
    serialize = type(request).SerializeToString
    kwargs.setdefault("timeout", 5)
    if method.client_streaming and method.server_streaming:
        stream = channel.stream_stream(path, request_serializer=serialize)
        return [r async for r in stream(iter([request]), **kwargs)]
    if method.client_streaming:
        return await channel.stream_unary(path, request_serializer=serialize)(
            iter([request]), **kwargs
        )
    if method.server_streaming:
        stream = channel.unary_stream(path, request_serializer=serialize)
        return [r async for r in stream(request, **kwargs)]
    return await channel.unary_unary(path, request_serializer=serialize)(request, **kwargs)


async def code_of(channel: grpc.aio.Channel, method: MethodDescriptor, **kwargs: Any) -> Any:
    try:
        await call(channel, method, **kwargs)
    except grpc.aio.AioRpcError as err:
        return err
    return None


async def create_key(env: Env, *granted: int, **fields: Any) -> tuple[str, str]:
    """(key id, token) of a new key with the given Scope enum values."""
    response = await env.admin.CreateApiKey(
        admin.CreateApiKeyRequest(api_key=dict(name=unique("key"), scopes=list(granted), **fields))
    )
    assert response.token.startswith(f"vtr_{response.api_key.id}_")
    return response.api_key.id, response.token


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def test_every_method_of_every_service_declares_its_scope(env):
    services = await served(env)
    assert scopes.undeclared(services) == []
    assert {s.full_name for s in SERVICES} == {s.full_name for s in services}
    assert {s.full_name for s in services} >= {
        "vitrine.catalog.v1.CatalogService",
        "vitrine.pricing.v1.PricingService",
        "vitrine.admin.v1.AdminService",
    }


async def test_every_rpc_refuses_a_call_without_a_key(env):
    for method in await every_method(env):
        err = await code_of(env.bare_channel, method)
        assert err is not None, method.full_name
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED, (method.full_name, err.details())
        assert details(err)["ErrorInfo"].reason == "API_KEY_MISSING"


async def test_every_rpc_refuses_a_wrong_or_malformed_key(env):
    _, token = await create_key(env, access_pb2.SCOPE_ADMIN)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (forged, "not-a-key", "vtr_unknown_secret"):
        for method in await every_method(env):
            err = await code_of(env.bare_channel, method, metadata=bearer(bad))
            assert err is not None and err.code() == grpc.StatusCode.UNAUTHENTICATED, (
                method.full_name
            )
            assert details(err)["ErrorInfo"].reason == "API_KEY_INVALID"


async def test_every_rpc_refuses_a_key_without_its_scope_before_validation(env):
    keys = {bit: (await create_key(env, enum))[1] for bit, enum in SCOPE_OF.items()}
    for method in await every_method(env):
        needed = scopes.required(method)
        other = next(bit for bit in keys if bit != needed)
        err = await code_of(env.bare_channel, method, metadata=bearer(keys[other]))
        assert err is not None and err.code() == grpc.StatusCode.PERMISSION_DENIED, (
            method.full_name,
            err and err.code(),
        )
        info = details(err)["ErrorInfo"]
        assert info.reason == "SCOPE_MISSING"
        assert info.metadata["required_scope"] == scopes.NAME_OF[needed]


async def test_the_right_scope_gets_past_access_control(env):
    keys = {bit: (await create_key(env, enum))[1] for bit, enum in SCOPE_OF.items()}
    keys[scopes.ADMIN] = env.settings.bootstrap_admin_key
    for method in await every_method(env):
        if method.server_streaming:
            continue  # StreamTriggeredAlerts would wait for alerts
        token = keys[scopes.required(method)]
        err = await code_of(env.bare_channel, method, metadata=bearer(token))
        if err is not None:
            assert err.code() not in (
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.PERMISSION_DENIED,
                grpc.StatusCode.INTERNAL,
            ), (method.full_name, err.code(), err.details())


async def test_admin_scope_implies_every_other(env):
    _, token = await create_key(env, access_pb2.SCOPE_ADMIN)
    stub_call = env.bare_channel.unary_unary(
        "/vitrine.catalog.v1.CatalogService/ListStores",
        request_serializer=api.ListStoresRequest.SerializeToString,
    )
    await stub_call(api.ListStoresRequest(page_size=1), metadata=bearer(token))


async def test_x_api_key_header_works_too(env):
    _, token = await create_key(env, access_pb2.SCOPE_READ)
    list_stores = env.bare_channel.unary_unary(
        "/vitrine.catalog.v1.CatalogService/ListStores",
        request_serializer=api.ListStoresRequest.SerializeToString,
    )
    await list_stores(api.ListStoresRequest(page_size=1), metadata=(("x-api-key", token),))


async def test_revoked_key_is_refused_at_once(env):
    key_id, token = await create_key(env, access_pb2.SCOPE_READ)
    list_stores = env.bare_channel.unary_unary(
        "/vitrine.catalog.v1.CatalogService/ListStores",
        request_serializer=api.ListStoresRequest.SerializeToString,
    )
    await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))  # now cached
    revoked = await env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id=key_id))
    assert revoked.api_key.HasField("revoke_time")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert details(refused.value)["ErrorInfo"].reason == "API_KEY_REVOKED"


async def test_revocation_reaches_other_processes_through_pubsub(env):
    # The other server trusts what it verified for 10 minutes: only the
    # pub/sub announcement can make it refuse the key in time.
    settings = dataclasses.replace(env.settings, auth_cache_ttl=600.0)
    async with Env.started(settings) as other:
        key_id, token = await create_key(env, access_pb2.SCOPE_READ)
        list_stores = other.bare_channel.unary_unary(
            "/vitrine.catalog.v1.CatalogService/ListStores",
            request_serializer=api.ListStoresRequest.SerializeToString,
        )
        await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))
        await env.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id=key_id))

        async def refused() -> bool:
            try:
                await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))
            except grpc.aio.AioRpcError as err:
                return err.code() == grpc.StatusCode.UNAUTHENTICATED
            return False

        await eventually(refused, within=5.0)


async def test_expired_key_is_refused(env):
    expires = timestamp_pb2.Timestamp()
    expires.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    _, token = await create_key(env, access_pb2.SCOPE_READ, expire_time=expires)
    list_stores = env.bare_channel.unary_unary(
        "/vitrine.catalog.v1.CatalogService/ListStores",
        request_serializer=api.ListStoresRequest.SerializeToString,
    )
    await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))
    last: list[str] = []

    async def expired() -> bool:
        try:
            await list_stores(api.ListStoresRequest(page_size=1), metadata=bearer(token))
        except grpc.aio.AioRpcError as err:
            last.append(details(err)["ErrorInfo"].reason)
            return err.code() == grpc.StatusCode.UNAUTHENTICATED
        return False

    await eventually(expired, within=5.0)
    assert last[-1] == "API_KEY_EXPIRED"


async def test_health_and_reflection_need_no_key(env):
    health = health_pb2_grpc.HealthStub(env.bare_channel)
    for service in ("", *(s.full_name for s in SERVICES)):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING, service


async def test_auth_off_lets_everything_through(env):
    settings = dataclasses.replace(env.settings, auth_enabled=False)
    async with Env.started(settings) as open_env:
        list_stores = open_env.bare_channel.unary_unary(
            "/vitrine.catalog.v1.CatalogService/ListStores",
            request_serializer=api.ListStoresRequest.SerializeToString,
        )
        await list_stores(api.ListStoresRequest(page_size=1))
