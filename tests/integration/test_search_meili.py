"""SearchService with MeiliSearch configured.

Always run: MeiliSearch configured but unreachable (connection refused) or
hanging (accepts, never answers). Searches are answered by the embedded
index and say so; MeiliSearch's cursor stays where it was, so the changes
wait in the outbox log for it, across a restart.

Run only when MEILI_URL points at a real MeiliSearch (skipped otherwise,
saying so): the index is built, kept in step through the outbox, answers with
the embedded backend's semantics, and a full reindex swaps indexes without
downtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2 as capi
from vitrine.search.v1 import search_service_pb2 as api
from vitrine_server.config import Settings
from vitrine_server.search import validate

from tests.conftest import BASE_URL, RUN_ID, server_settings
from tests.support import (
    Env,
    admin_dsn,
    dsn_for,
    eventually,
    make_category,
    make_offer,
    make_product,
    make_store,
)

pytestmark = pytest.mark.asyncio

MEILI_URL = os.environ.get("MEILI_URL", "")
needs_meili = pytest.mark.skipif(
    not MEILI_URL,
    reason="MEILI_URL is not set: no MeiliSearch to test against (the embedded backend "
    "and MeiliSearch's pure parts are tested regardless)",
)


def word() -> str:
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


@contextlib.asynccontextmanager
async def own_database(template_db: str, label: str) -> AsyncIterator[str]:
    name = f"vitrine_test_{label}_{RUN_ID}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    try:
        yield dsn_for(BASE_URL, name)
    finally:
        admin = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def settings_for(database_url: str, meili_url: str) -> Settings:
    return server_settings(
        database_url, f"vitrine-test-meili-{RUN_ID}", meili_url=meili_url, meili_timeout=0.3
    )


@contextlib.asynccontextmanager
async def hanging_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("failure", ["refused", "hanging"])
async def test_meili_down_or_slow_degrades_to_the_embedded_backend(
    template_db: str, failure: str
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(own_database(template_db, f"meili_{failure}"))
        port = (
            closed_port()
            if failure == "refused"
            else await stack.enter_async_context(hanging_server())
        )
        env = await stack.enter_async_context(
            Env.started(settings_for(url, f"http://127.0.0.1:{port}"))
        )

        w = word()
        category = await make_category(env.catalog)
        product = await make_product(env.catalog, category.id, name=f"Chaleira {w}")

        for _ in range(2):  # the first waits for MeiliSearch, the next skips it
            response = await env.search.SearchProducts(
                api.SearchProductsRequest(query=w), timeout=5
            )
            assert [h.product.id for h in response.hits] == [product.id]
            assert response.degraded and response.backend == "tantivy"
        suggestions = await env.search.SuggestProducts(
            api.SuggestProductsRequest(prefix=w[:5]), timeout=5
        )
        assert suggestions.degraded and product.id in [
            s.product_id for s in suggestions.suggestions
        ]

        # MeiliSearch never applied anything: it has no cursor, so the write
        # waits in the log (and a restart loses nothing).
        pending = "SELECT count(*) FROM outbox WHERE topic = 'search.product' AND aggregate_id = $1"
        cursor = "SELECT count(*) FROM outbox_consumers WHERE name LIKE 'meilisearch:%'"
        assert await env.pool.fetchval(pending, product.id) >= 1
        assert await env.pool.fetchval(cursor) == 0
        await env.server.stop(0.5)
        async with Env.started(settings_for(url, f"http://127.0.0.1:{closed_port()}")) as again:
            assert await again.pool.fetchval(pending, product.id) >= 1


async def test_every_search_visible_write_feeds_the_log(env: Env) -> None:
    """Without MeiliSearch too: the embedded index follows the same log."""
    category = await make_category(env.catalog)
    store = await make_store(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Torradeira {word()}")
    log = "SELECT count(*) FROM outbox WHERE topic = $1 AND aggregate_id = $2"
    assert await env.pool.fetchval(log, "search.product", product.id) >= 1
    assert await env.pool.fetchval(log, "search.category", category.id) >= 1
    assert await env.pool.fetchval(log, "search.store", store.id) >= 1


# -- against a real MeiliSearch ------------------------------------------------


@pytest_asyncio.fixture
async def meili_env(template_db: str) -> AsyncIterator[Env]:
    index = f"vitrine_test_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    async with own_database(template_db, f"meili_{uuid.uuid4().hex[:6]}") as url:
        settings = replace(settings_for(url, MEILI_URL), meili_index=index, meili_timeout=2.0)
        try:
            async with Env.started(settings) as env:
                yield env
        finally:
            import meilisearch

            client = meilisearch.Client(MEILI_URL, settings.meili_api_key or None)
            for uid in (index, f"{index}_rebuild"):
                with contextlib.suppress(Exception):
                    client.delete_index(uid)


async def meili_ids(env: Env, query: str, **fields: object) -> list[int]:
    response = await env.search.SearchProducts(api.SearchProductsRequest(query=query, **fields))
    assert response.backend == "meilisearch" and not response.degraded
    return [h.product.id for h in response.hits]


@needs_meili
async def test_meili_writes_become_searchable_through_the_outbox(meili_env: Env) -> None:
    env = meili_env
    w = word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Sanduicheira {w}")

    async def indexed() -> bool:
        return await meili_ids(env, w) == [product.id]

    await eventually(indexed, within=15)
    await env.catalog.DeleteProduct(capi.DeleteProductRequest(id=product.id))

    async def removed() -> bool:
        return await meili_ids(env, w) == []

    await eventually(removed, within=15)

    async def cursor_at_head() -> bool:
        behind = await env.server.search_maintenance.indexer.pending()
        return behind == 0

    await eventually(cursor_at_head, within=15)


@needs_meili
async def test_meili_answers_with_the_embedded_semantics(meili_env: Env) -> None:
    env = meili_env
    w = word()
    category = await make_category(env.catalog)
    stores = [await make_store(env.catalog), await make_store(env.catalog)]
    for i, (brand, price) in enumerate([("Arno", 10000), ("Arno", 30000), ("Oster", 50000)]):
        p = await make_product(env.catalog, category.id, name=f"Batedeira {w}", brand=brand)
        await make_offer(env.catalog, p.id, stores[i % 2].id, price)

    async def all_indexed() -> bool:
        return len(await meili_ids(env, w)) == 3

    await eventually(all_indexed, within=15)
    request = api.SearchProductsRequest(
        query=w,
        filter=dict(brands=["arno"], max_price_minor=40000),
        facets=[dict(field=1), dict(field=4, price_edges_minor=[20000])],
        sort=api.SEARCH_SORT_PRICE_DESC,
    )
    via_meili = await env.search.SearchProducts(request)
    query, _ = validate.search_request(request)
    embedded = await env.server.search.embedded.search(query)
    assert [h.product.id for h in via_meili.hits] == [h.id for h in embedded.hits]
    assert via_meili.estimated_total_hits == embedded.total == 2
    brands = {v.value.lower(): v.count for v in via_meili.facets[0].values}
    assert brands == {"arno": 2, "oster": 1}
    assert [v.count for v in via_meili.facets[1].values] == [1, 1]
    # A hostile brand is a literal value: it matches nothing and breaks nothing.
    hostile = await meili_ids(env, w, filter=dict(brands=['x" OR brand_key = "arno']))
    assert hostile == []


@needs_meili
async def test_meili_reindex_swaps_without_downtime(meili_env: Env) -> None:
    env = meili_env
    w = word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Espremedor {w}")

    async def indexed() -> bool:
        return await meili_ids(env, w) == [product.id]

    await eventually(indexed, within=15)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    reindex = asyncio.create_task(env.server.search_maintenance.reindex(progress))
    while not reindex.done():  # searches go on during the rebuild
        assert await meili_ids(env, w) == [product.id]
        await asyncio.sleep(0.05)
    assert await reindex >= 1
    assert seen[-1][0] == seen[-1][1]
    assert await meili_ids(env, w) == [product.id]
