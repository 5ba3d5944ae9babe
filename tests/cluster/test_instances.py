"""Two instances over one PostgreSQL (with its replica) and one Redis
Cluster: a write through A is never read stale through B (the Redis cache,
the in-process tier within its max_staleness, API key revocation), rate
limits are global, and the client balances over both."""

from __future__ import annotations

import grpc
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.type.v1 import access_pb2
from vitrine_client import aio_connect

from tests.cluster.conftest import Pair
from tests.support import ADMIN_KEY, eventually, make_category, make_product, unique

GET_STORE = "/vitrine.catalog.v1.CatalogService/GetStore"


async def test_a_write_through_a_is_never_read_stale_through_b(pair: Pair):
    category = await make_category(pair.a.catalog)
    product = await make_product(pair.a.catalog, category.id, name="Antes")
    for _ in range(2):  # cached in Redis, and in B's in-process tier
        await pair.b.catalog.GetProduct(api.GetProductRequest(id=product.id))
        await pair.b.catalog.GetProduct(
            api.GetProductRequest(id=product.id, max_staleness=dict(seconds=60))
        )
    for round_ in range(20):
        name = f"Depois {round_}"
        await pair.a.catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=product.id, name=name), update_mask=dict(paths=["name"])
            )
        )
        seen = await pair.b.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert seen.product.name == name
        batch = await pair.b.catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=[product.id]))
        assert batch.products[0].name == name

    # The in-process tier may serve a value up to max_staleness old; the
    # invalidation reaches B over sharded pub/sub long before that.
    async def fresh_in_b_tier() -> bool:
        seen = await pair.b.catalog.GetProduct(
            api.GetProductRequest(id=product.id, max_staleness=dict(seconds=60))
        )
        return seen.product.name == "Depois 19"

    await eventually(fresh_in_b_tier, within=2)


async def _call(env, token: str) -> grpc.StatusCode:
    call = env.bare_channel.unary_unary(
        GET_STORE, request_serializer=api.GetStoreRequest.SerializeToString
    )
    try:
        await call(
            api.GetStoreRequest(id=999_999_999),
            metadata=(("authorization", f"Bearer {token}"),),
            timeout=5,
        )
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


async def _key(pair: Pair, **limits) -> tuple[str, str]:
    made = await pair.a.admin.CreateApiKey(
        admin.CreateApiKeyRequest(
            api_key=dict(name=unique("k"), scopes=[access_pb2.SCOPE_READ], **limits)
        )
    )
    return made.api_key.id, made.token


async def test_a_key_revoked_through_a_is_refused_by_b_at_once(pair: Pair):
    key_id, token = await _key(pair)
    assert await _call(pair.b, token) == grpc.StatusCode.NOT_FOUND  # B trusts it now
    await pair.a.admin.RevokeApiKey(admin.RevokeApiKeyRequest(id=key_id))

    async def refused() -> bool:
        return await _call(pair.b, token) == grpc.StatusCode.UNAUTHENTICATED

    # Far sooner than VITRINE_AUTH_CACHE_TTL (10 s): the revocation is announced.
    await eventually(refused, within=2)


async def test_rate_limits_are_global(pair: Pair):
    _, token = await _key(pair, requests_per_minute=60, burst=4)
    outcomes = [await _call(env, token) for env in (pair.a, pair.b) * 4]
    allowed = outcomes.count(grpc.StatusCode.NOT_FOUND)
    # Four in the burst, whichever instance served them (plus at most the one
    # that has dripped back in meanwhile, at one a second).
    assert 4 <= allowed <= 5, outcomes
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in outcomes[4:]


async def test_the_client_balances_round_robin_over_both(pair: Pair):
    """Each instance tells its start time in GetStatus: count the answers of each."""
    answered: dict[str, int] = {}
    async with aio_connect([pair.a.target, pair.b.target], api_key=ADMIN_KEY) as client:
        # round_robin picks among the connections that are ready: until the
        # second one is, the first answers alone. Count from then on.
        seen: set[str] = set()
        for _ in range(50):
            status = await client.admin.GetStatus(admin.GetStatusRequest())
            seen.add(status.start_time.ToJsonString())
            if len(seen) == 2:
                break
        assert len(seen) == 2, "both instances answer"
        for _ in range(20):
            status = await client.admin.GetStatus(admin.GetStatusRequest())
            when = status.start_time.ToJsonString()
            answered[when] = answered.get(when, 0) + 1
    assert sorted(answered.values()) == [10, 10], answered
