"""Page tokens are verifiable as issued by this deployment: signed with a
secret every worker and instance shares (rpc/paging_secret.py)."""

from __future__ import annotations

import dataclasses

import grpc
import pytest
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.config import ConfigError, Settings

from tests.support import Env, expect_error, make_store, unique, violated_fields

SECRET = "s" * 40


async def _token(stub) -> tuple[api.ListStoresRequest, str]:  # type: ignore[no-untyped-def]
    request = api.ListStoresRequest(page_size=1)
    first = await stub.ListStores(request)
    assert first.next_page_token
    return request, first.next_page_token


async def test_instances_on_one_database_share_the_generated_secret(env, catalog, db):
    await make_store(catalog)
    await make_store(catalog)
    request, token = await _token(catalog)
    other = dataclasses.replace(env.settings, redis_prefix=unique("vitrine-tok"))
    async with Env.started(other) as second:  # another instance, same database
        request.page_token = token
        assert len((await second.catalog.ListStores(request)).stores) == 1
    stored = await db.fetch("SELECT name FROM service_secrets")
    assert [r["name"] for r in stored] == ["page_tokens"], "generated once, kept in PostgreSQL"


async def test_a_configured_secret_signs_and_another_deployment_refuses(env, catalog):
    await make_store(catalog)
    await make_store(catalog)
    configured = dataclasses.replace(
        env.settings, redis_prefix=unique("vitrine-tok"), page_token_secret=SECRET
    )
    async with Env.started(configured) as a:
        request, token = await _token(a.catalog)
    request.page_token = token
    err = await expect_error(env.catalog.ListStores(request), grpc.StatusCode.INVALID_ARGUMENT)
    assert violated_fields(err) == {"page_token"}
    # Rotation: the new secret first, the old one still verifies.
    rotated = dataclasses.replace(configured, page_token_secret=f"{'n' * 40},{SECRET}")
    async with Env.started(rotated) as b:
        assert len((await b.catalog.ListStores(request)).stores) == 1


def test_short_secrets_are_refused_naming_the_variable():
    with pytest.raises(ConfigError, match="VITRINE_PAGE_TOKEN_SECRET"):
        Settings.from_env({"VITRINE_PAGE_TOKEN_SECRET": "short"})
    with pytest.raises(ConfigError, match="VITRINE_PAGE_TOKEN_SECRET"):
        Settings.from_env({"VITRINE_PAGE_TOKEN_SECRET": f"{SECRET},short"})
    assert Settings.from_env({"VITRINE_PAGE_TOKEN_SECRET": f" {SECRET} "}).page_token_secrets() == [
        SECRET
    ]
