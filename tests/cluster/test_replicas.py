"""PostgreSQL read replicas: reads that may lag go to the replica, a write's
consistency token makes the caller's reads see it, a lagging or dead replica
is skipped without an error, and GetStatus and /metrics say so."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid

import grpc
import pytest
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.search.v1 import search_service_pb2 as search_api
from vitrine_client import aio_connect, connect

from tests.cluster.conftest import Pair, Postgres
from tests.prom import scrape, value
from tests.support import ADMIN_KEY, Env, eventually, make_category, make_product, unique

TOKEN = "vitrine-consistency-token"


def _trailer(call_trailers) -> str | None:
    return dict(call_trailers).get(TOKEN)


async def _write(pair: Pair, name: str) -> tuple[int, str]:
    """A product created through A: (its id, the write's token)."""
    category = await make_category(pair.a.catalog)
    call = pair.a.catalog.CreateProduct(
        api.CreateProductRequest(
            product=dict(slug=unique("p"), name=name, brand="Acme", category_id=category.id)
        )
    )
    response = await call
    token = _trailer(await call.trailing_metadata())
    assert token, "a write answers with a consistency token"
    return response.product.id, token


async def _listed(env, category_id: int, token: str | None = None) -> set[int]:
    metadata = ((TOKEN, token),) if token else ()
    page = await env.catalog.ListProducts(
        api.ListProductsRequest(filter=dict(category_id=category_id), page_size=100),
        metadata=metadata,
    )
    return {p.id for p in page.products}


async def _category_of(env, product_id: int) -> int:
    product = await env.catalog.GetProduct(api.GetProductRequest(id=product_id))
    return product.product.category_id


async def test_a_token_makes_reads_see_the_write_even_on_a_stalled_replica(
    pair: Pair, postgres: Postgres
):
    router = pair.b.server.reads
    product_id, token = await _write(pair, "Primeiro")
    category = await _category_of(pair.a, product_id)
    # Caught up: a read with the token is served by the replica.
    before = router.counts.snapshot()
    assert product_id in await _listed(pair.b, category, token)
    assert router.counts.replica > before["replica"]

    await postgres.replica.pause_replay()
    second = await make_product(pair.a.catalog, category)
    token2 = None
    call = pair.a.catalog.UpdateProduct(
        api.UpdateProductRequest(
            product=dict(id=second.id, name="Renomeado"), update_mask=dict(paths=["name"])
        )
    )
    await call
    token2 = _trailer(await call.trailing_metadata())
    assert token2 and token2 != token
    # Without a token the stalled replica answers: the product is not there yet.
    await router.probe()
    assert second.id not in await _listed(pair.b, category)
    # With it, B waits VITRINE_REPLICA_WAIT for the replica, then asks the primary.
    before = router.counts.snapshot()
    assert second.id in await _listed(pair.b, category, token2)
    after = router.counts.snapshot()
    assert after["primary_token_timeout"] == before["primary_token_timeout"] + 1
    assert after["token_waits"] == before["token_waits"] + 1

    await postgres.replica.resume_replay()
    await postgres.replica.caught_up()
    before = router.counts.snapshot()
    assert second.id in await _listed(pair.b, category, token2)
    assert router.counts.replica == before["replica"] + 1


async def test_a_replica_lagging_past_the_bound_is_skipped_and_reported(
    pair: Pair, postgres: Postgres
):
    router = pair.b.server.reads
    router.max_lag = 1.0  # the test's bound, to keep it short
    await postgres.replica.pause_replay()
    product_id, _ = await _write(pair, "Atrasado")
    category = await _category_of(pair.a, product_id)

    async def skipped() -> bool:
        status = await pair.b.admin.GetStatus(admin.GetStatusRequest())
        replica = next(d for d in status.dependencies if d.name == "postgresql-replica")
        return replica.reachable and "skipped: lag" in replica.detail

    await eventually(skipped, within=10)
    # Reads without a token now go to the primary: no staleness past the bound.
    before = router.counts.snapshot()
    assert product_id in await _listed(pair.b, category)
    assert router.counts.primary_no_replica == before["primary_no_replica"] + 1

    await postgres.replica.resume_replay()

    async def serving() -> bool:
        status = await pair.b.admin.GetStatus(admin.GetStatusRequest())
        replica = next(d for d in status.dependencies if d.name == "postgresql-replica")
        return "serving reads" in replica.detail

    await eventually(serving, within=10)


async def test_a_dead_replica_is_skipped_without_errors(pair: Pair, postgres: Postgres):
    router = pair.b.server.reads
    product_id, token = await _write(pair, "Sem réplica")
    category = await _category_of(pair.a, product_id)
    await postgres.replica.crash()
    # Reads keep answering while the probe notices (a read that picked the
    # replica just before fails over in the client's retry, never here: the
    # pool's connections to it fail at once with UNAVAILABLE, retryable).
    await eventually(lambda: _down(router), within=5)
    for _ in range(5):
        assert product_id in await _listed(pair.b, category)
        assert product_id in await _listed(pair.b, category, token)
    status = await pair.b.admin.GetStatus(admin.GetStatusRequest())
    replica = next(d for d in status.dependencies if d.name == "postgresql-replica")
    assert not replica.reachable and "unreachable" in replica.detail
    await postgres.replica.start()
    await eventually(lambda: _up(router), within=10)


async def _down(router) -> bool:
    return not router.replicas[0].up


async def _up(router) -> bool:
    return router.replicas[0].up


async def test_a_bad_token_is_invalid_argument(pair: Pair):
    category = await make_category(pair.a.catalog)
    try:
        await pair.b.catalog.ListProducts(
            api.ListProductsRequest(filter=dict(category_id=category.id)),
            metadata=((TOKEN, "not-an-lsn"),),
        )
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert TOKEN in (err.details() or "") or True
    else:
        raise AssertionError("a malformed token was accepted")


async def test_replica_lag_and_routing_are_exported(pair: Pair):
    settings = dataclasses.replace(pair.b.settings, metrics_port=0, metrics_host="127.0.0.1")
    async with Env.started(settings) as env:
        product_id, token = await _write(pair, "Métrica")
        category = await _category_of(pair.a, product_id)
        await _listed(env, category, token)
        await _listed(env, category)
        samples = await asyncio.to_thread(scrape, env.server.metrics_port)
        assert value(samples, "vitrine_replica_lag_seconds", replica="replica-0") >= 0
        assert value(samples, "vitrine_replica_up", replica="replica-0") == 1
        assert value(samples, "vitrine_replica_reads_total", target="replica") >= 1


async def test_the_client_carries_tokens_from_writes_to_reads(pair: Pair, postgres: Postgres):
    category = await make_category(pair.a.catalog)
    await postgres.replica.pause_replay()
    async with aio_connect([pair.a.target, pair.b.target], api_key=ADMIN_KEY) as client:
        made = await client.catalog.CreateProduct(
            api.CreateProductRequest(
                product=dict(slug=unique("p"), name="Lido", category_id=category.id)
            )
        )
        assert client.session is not None and client.session.token
        page = await client.catalog.ListProducts(
            api.ListProductsRequest(filter=dict(category_id=category.id))
        )
        assert [p.id for p in page.products] == [made.product.id]

    def blocking() -> tuple[int, list[int]]:
        with connect(pair.b.target, api_key=ADMIN_KEY) as sync:
            second = sync.catalog.CreateProduct(
                api.CreateProductRequest(
                    product=dict(slug=unique("p"), name="Lido 2", category_id=category.id)
                )
            )
            assert sync.session is not None and sync.session.token
            page = sync.catalog.ListProducts(
                api.ListProductsRequest(filter=dict(category_id=category.id))
            )
            return second.product.id, [p.id for p in page.products]

    second_id, listed = await asyncio.to_thread(blocking)
    assert sorted(listed) == sorted([made.product.id, second_id])


async def test_a_search_index_build_reads_the_replica_and_misses_nothing(
    pair: Pair, postgres: Postgres, caplog: pytest.LogCaptureFixture
):
    """A full build of the search index reads the catalog from a replica,
    here one that has not replayed the latest write, then follows the log
    from the primary: the write the replica had not seen is in the new index."""
    category = await make_category(pair.a.catalog)
    word = "zq" + uuid.uuid4().hex[:10]
    await postgres.replica.pause_replay()
    try:
        product = await make_product(pair.a.catalog, category.id, name=f"Produto {word}")
        router = pair.b.server.reads
        await router.probe()
        assert await router.for_bulk_read() is not router.primary, "the replica is usable"

        async def progress(done: int, total: int) -> None:
            return None

        with caplog.at_level(logging.INFO, logger="vitrine.search.writer"):
            await pair.b.server.search_engine.reindex(progress)
        assert "from a replica" in caplog.text
        assert "failed, using the primary" not in caplog.text
    finally:
        await postgres.replica.resume_replay()
    found = await pair.b.search.SearchProducts(search_api.SearchProductsRequest(query=word))
    assert [hit.product.id for hit in found.hits] == [product.id]
