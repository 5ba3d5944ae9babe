"""The opt-in in-process tier: bounded staleness for callers who ask for it,
read-after-write for everyone else, invalidations shared across processes."""

from __future__ import annotations

import asyncio
import dataclasses

import grpc
from google.protobuf import duration_pb2, field_mask_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    Env,
    eventually,
    expect_error,
    make_category,
    make_product,
    violated_fields,
)

NAME = field_mask_pb2.FieldMask(paths=["name"])


def stale(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


async def _rename(stub, product_id: int, name: str) -> None:
    await stub.UpdateProduct(
        api.UpdateProductRequest(product=dict(id=product_id, name=name), update_mask=NAME)
    )


async def test_opt_in_reads_skip_redis_and_see_local_writes(env, catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="um")
    request = api.GetProductRequest(id=product.id, max_staleness=stale(30))
    await catalog.GetProduct(request)
    tier = env.server.cache.local
    hits = tier.stats["hits"]
    assert (await catalog.GetProduct(request)).product.name == "um"
    assert tier.stats["hits"] == hits + 1
    # A write in this process drops its keys from this process's tier at once.
    await _rename(catalog, product.id, "dois")
    assert (await catalog.GetProduct(request)).product.name == "dois"
    batch = await catalog.BatchGetProducts(
        api.BatchGetProductsRequest(ids=[product.id, product.id], max_staleness=stale(30))
    )
    assert [p.name for p in batch.products] == ["dois", "dois"]


async def test_other_processes_hear_of_writes_and_plain_reads_never_lag(env):
    second = dataclasses.replace(env.settings)
    async with Env.started(second) as other:
        category = await make_category(env.catalog)
        product = await make_product(env.catalog, category.id, name="antes")
        request = api.GetProductRequest(id=product.id, max_staleness=stale(60))
        await env.catalog.GetProduct(request)  # now in this process's tier
        await asyncio.sleep(0.2)  # both listeners subscribed
        await _rename(other.catalog, product.id, "depois")  # written by the other process
        # A plain read that starts after the write returned sees it, always.
        plain = await env.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert plain.product.name == "depois"

        async def heard() -> bool:
            return (await env.catalog.GetProduct(request)).product.name == "depois"

        await eventually(heard, within=2)


async def test_the_bound_holds_without_invalidations(env):
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name="velho")
    request = api.GetProductRequest(id=product.id, max_staleness=stale(2))
    loop = asyncio.get_running_loop()
    read_at = loop.time()
    await env.catalog.GetProduct(request)
    # Change the row behind the service's back: no invalidation at all.
    await env.pool.execute(
        "UPDATE products SET name = 'novo', version = version + 1 WHERE id = $1", product.id
    )
    await env.server.cache.redis.delete(env.server.cache.keys.product(product.id))
    name = (await env.catalog.GetProduct(request)).product.name
    if loop.time() - read_at < 1.5:  # (a slow machine may already be past the bound)
        assert name == "velho"  # within its bound
    await asyncio.sleep(max(0.0, read_at + 2.1 - loop.time()))
    assert (await env.catalog.GetProduct(request)).product.name == "novo"


async def test_bad_staleness(catalog):
    for bad in (stale(-1), stale(61)):
        err = await expect_error(
            catalog.GetProduct(api.GetProductRequest(id=1, max_staleness=bad)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert violated_fields(err) == {"max_staleness"}
    await expect_error(
        catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=[1], max_staleness=stale(120))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
