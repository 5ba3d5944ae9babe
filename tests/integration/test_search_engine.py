"""The embedded index's life: how the outbox log feeds it (by transaction,
never skipping a late commit), how it is rebuilt when missing, corrupt or of
another version, what callers get until it is ready, how worker processes
share one folder, and what highlights send out (escaped HTML)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as capi
from vitrine.search.v1 import search_service_pb2 as api
from vitrine_client import aio_connect
from vitrine_server.search import feed

from tests.conftest import BASE_URL, RUN_ID
from tests.support import (
    Env,
    admin_dsn,
    details,
    dsn_for,
    eventually,
    make_category,
    make_offer,
    make_product,
    make_store,
)

pytestmark = pytest.mark.asyncio
SEARCH = "vitrine.search.v1.SearchService"


def word() -> str:
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


async def ids(env: Env, query: str, **fields: Any) -> list[int]:
    response = await env.search.SearchProducts(api.SearchProductsRequest(query=query, **fields))
    return [h.product.id for h in response.hits]


@contextlib.asynccontextmanager
async def own_database(template_db: str) -> AsyncIterator[str]:
    name = f"vitrine_test_engine_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(admin_dsn(BASE_URL))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    await admin.close()
    try:
        yield dsn_for(BASE_URL, name)
    finally:
        admin = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# -- the log -----------------------------------------------------------------------


async def test_the_log_never_skips_a_transaction_that_commits_late(env: Env) -> None:
    """Ids are handed out at insert, visible at commit: a reader going by id
    would take the second product's row, then skip the first's. The log is
    read by snapshot: what committed since the last read, whatever the ids."""
    log = feed.Log(env.server.db)
    start = feed.Position(await log.snapshot())
    category = await make_category(env.catalog)
    first_name, second_name = word(), word()
    slow = await env.pool.acquire()
    tx = slow.transaction()
    await tx.start()
    try:
        first = await slow.fetchval(
            "INSERT INTO products (slug, name, category_id) VALUES ($1, $2, $3) RETURNING id",
            f"p-{first_name}",
            f"Cafeteira {first_name}",
            category.id,
        )
        second = await make_product(env.catalog, category.id, name=f"Cafeteira {second_name}")
        assert second.id > first
        # The second product committed and is read at once, while the first
        # one's transaction (lower id, older) is still open.
        batch = await log.read(start, 100)
        taken = batch.ids(feed.PRODUCT)
        assert second.id in taken and first not in taken
        assert await ids(env, second_name) == [second.id]
        await tx.commit()
    except BaseException:
        await tx.rollback()
        raise
    finally:
        await env.pool.release(slow)
    later = await log.read(batch.end, 100)
    assert later.ids(feed.PRODUCT) == [first]
    assert await ids(env, first_name) == [first]


async def test_a_read_of_the_log_does_not_walk_the_rows_before_it(env: Env) -> None:
    """The log keeps a day of rows and is polled many times a second: a read
    must start where its snapshot says, not walk every older row to get
    there (it did: 9 ms a poll with a day's ingestion behind it). Counted in
    buffers, not time: the same on any machine."""
    filler = (
        "INSERT INTO outbox (topic, aggregate_id)"
        " SELECT 'test.filler', g FROM generate_series(1, $1) g"
    )
    await env.pool.execute(filler, 50_000)  # ~150 index pages, committed before `applied`
    try:
        log = feed.Log(env.server.db)
        applied = await log.snapshot()
        category = await make_category(env.catalog)
        product = await make_product(env.catalog, category.id, name=f"Chaleira {word()}")
        target = await log.snapshot()
        for limit in (100, 1):  # a read, and `covers`
            statement, *args = feed.read_between(applied, target, (0, 0), limit)
            rows = await env.pool.fetch(statement, *args)
            taken = [(r["topic"], r["aggregate_id"]) for r in rows]
            assert len(taken) == limit or (feed.PRODUCT, product.id) in taken
            explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement
            [plan] = json.loads(await env.pool.fetchval(explain, *args))
            node = plan["Plan"]
            assert node["Shared Hit Blocks"] + node["Shared Read Blocks"] < 30, node
    finally:
        await env.pool.execute("DELETE FROM outbox WHERE topic = 'test.filler'")


async def test_only_search_visible_changes_feed_the_log(env: Env) -> None:
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Torradeira {word()}")
    rows = "SELECT count(*) FROM outbox WHERE topic = 'search.product' AND aggregate_id = $1"
    before = await env.pool.fetchval(rows, product.id)
    await env.pool.execute("UPDATE products SET last_scraped_at = now() WHERE id = $1", product.id)
    assert await env.pool.fetchval(rows, product.id) == before
    await env.pool.execute("UPDATE products SET rating = 4.5 WHERE id = $1", product.id)
    assert await env.pool.fetchval(rows, product.id) == before + 1


async def test_category_and_store_renames_reach_documents_and_labels(env: Env) -> None:
    old, new = word(), word()
    parent = await make_category(env.catalog, name=f"Linha {old}")
    child = await make_category(env.catalog, parent_id=parent.id, name="Cozinha")
    store = await make_store(env.catalog)
    product = await make_product(env.catalog, child.id, name=f"Chaleira {word()}")
    await make_offer(env.catalog, product.id, store.id, 9900)
    assert await ids(env, old) == [product.id]  # found by its category's name
    await env.pool.execute(
        "UPDATE categories SET name = $2 WHERE id = $1", parent.id, f"Linha {new}"
    )
    await env.pool.execute("UPDATE stores SET name = $2 WHERE id = $1", store.id, f"Loja {new}")
    assert await ids(env, new) == [product.id]
    assert await ids(env, old) == []
    response = await env.search.SearchProducts(
        api.SearchProductsRequest(query=new, facets=[dict(field=2), dict(field=3)])
    )
    labels = {v.label for f in response.facets for v in f.values}
    assert labels == {"Cozinha", f"Loja {new}"}


async def test_pruned_log_and_a_position_behind_it(env: Env) -> None:
    log = feed.Log(env.server.db)
    old = feed.Position(await log.snapshot())
    category = await make_category(env.catalog)
    await make_product(env.catalog, category.id, name=f"Sorveteira {word()}")
    assert await log.missing(old) >= 1
    # Pruning never passes a transaction still running anywhere in the
    # PostgreSQL cluster (transaction ids are cluster-wide): prune again until
    # whatever ran beside this test has ended.
    deleted = await log.prune(0.0)
    for _ in range(100):
        if await log.behind_horizon(old):
            break
        await asyncio.sleep(0.1)
        deleted += await log.prune(0.0)
    assert deleted >= 1
    horizon = await log.horizon()
    assert await env.pool.fetchval("SELECT count(*) FROM outbox WHERE tx < $1", horizon) == 0
    # A consumer from before the pruned rows must rebuild; a current one not.
    assert await log.behind_horizon(old)
    assert not await log.behind_horizon(feed.Position(await log.snapshot()))


# -- life cycle ----------------------------------------------------------------------


async def test_not_serving_and_unavailable_with_retry_info_until_ready(
    env: Env, tmp_path: Path
) -> None:
    blocked = tmp_path / "search"
    blocked.write_text("a file where the index folder should be")
    settings = dataclasses.replace(
        env.settings, search_dir=str(blocked), search_ready_wait=0.0, redis_prefix=word()
    )
    async with Env.started(settings) as e:
        health = health_pb2_grpc.HealthStub(e.channel)
        status = await health.Check(health_pb2.HealthCheckRequest(service=SEARCH))
        assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
        for call in (
            e.search.SearchProducts(api.SearchProductsRequest(query="geladeira")),
            e.search.SuggestProducts(api.SuggestProductsRequest(prefix="gel")),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            found = details(caught.value)
            assert found["RetryInfo"].retry_delay.ToNanoseconds() > 0
            assert found["ErrorInfo"].reason == "SEARCH_INDEX_NOT_READY"
        blocked.unlink()  # the folder can be made now: the index is built

        async def serving() -> bool:
            answer = await health.Check(health_pb2.HealthCheckRequest(service=SEARCH))
            return answer.status == health_pb2.HealthCheckResponse.SERVING

        await eventually(serving, within=30)
        await e.search.SearchProducts(api.SearchProductsRequest(query="geladeira"))


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other_version", "other_database"])
async def test_an_unusable_index_is_rebuilt_from_postgresql(
    template_db: str, env: Env, tmp_path: Path, damage: str
) -> None:
    async with own_database(template_db) as url:
        settings = dataclasses.replace(
            env.settings, database_url=url, search_dir=str(tmp_path), redis_prefix=word()
        )
        w = word()
        async with Env.started(settings) as first:
            category = await make_category(first.catalog)
            product = await make_product(first.catalog, category.id, name=f"Pipoqueira {w}")
            assert await ids(first, w) == [product.id]
            folder = first.server.search_engine.reader.folder
        assert folder is not None
        if damage == "missing":
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
        elif damage == "corrupt":
            (folder / "meta.json").write_text("{not json")
        else:
            meta = json.loads((folder / "vitrine-index.json").read_text())
            key = "schema_version" if damage == "other_version" else "database"
            meta[key] = 999 if damage == "other_version" else "another-cluster-1"
            (folder / "vitrine-index.json").write_text(json.dumps(meta))
        async with Env.started(settings) as again:
            assert again.server.search_engine.ready
            assert again.server.search_engine.reader.folder != folder
            assert await ids(again, w) == [product.id]


async def test_a_restarted_server_catches_up_before_it_answers(
    template_db: str, env: Env, tmp_path: Path
) -> None:
    async with own_database(template_db) as url:
        settings = dataclasses.replace(
            env.settings,
            database_url=url,
            search_dir=str(tmp_path),
            redis_prefix=word(),
            search_read_your_writes=False,
        )
        async with Env.started(settings) as first:
            category = await make_category(first.catalog)
        # Written while no server runs: the index is behind when the next starts.
        w = word()
        conn = await asyncpg.connect(url)
        try:
            product_id = await conn.fetchval(
                "INSERT INTO products (slug, name, category_id) VALUES ($1, $2, $3) RETURNING id",
                f"p-{w}",
                f"Panela {w}",
                category.id,
            )
        finally:
            await conn.close()
        async with Env.started(settings) as again:
            # Ready means caught up with the log as it stood at start: never
            # an answer from an index that is behind.
            assert await ids(again, w) == [product_id]


async def test_processes_share_one_folder_with_one_writer(env: Env, tmp_path: Path) -> None:
    settings = dataclasses.replace(env.settings, search_dir=str(tmp_path), redis_prefix=word())
    async with Env.started(settings) as a, Env.started(settings) as b:

        async def one_writer() -> bool:
            return [e.server.search_engine.follower.writing for e in (a, b)].count(True) == 1

        await eventually(one_writer)
        assert a.server.search_engine.reader.folder == b.server.search_engine.reader.folder
        category = await make_category(a.catalog)
        w = word()
        product = await make_product(a.catalog, category.id, name=f"Grelha {w}")
        assert await ids(b, w) == [product.id]  # b serves a's write, from the shared folder
        writer, other = (a, b) if a.server.search_engine.follower.writing else (b, a)
        await writer.server.search_engine.follower.close()  # the writer goes away

        async def other_writes() -> bool:
            return other.server.search_engine.follower.writing

        await eventually(other_writes, within=10)
        w2 = word()
        second = await make_product(other.catalog, category.id, name=f"Grelha {w2}")
        assert await ids(other, w2) == [second.id]


async def test_worker_processes_serve_writes_from_the_shared_index(
    env: Env, tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    environ = {
        **os.environ,
        "DATABASE_URL": env.settings.database_url,
        "REDIS_URL": env.settings.redis_url,
        "VITRINE_REDIS_PREFIX": env.settings.redis_prefix,
        "VITRINE_METRICS_PORT": "off",
        "VITRINE_BOOTSTRAP_ADMIN_KEY": env.settings.bootstrap_admin_key,
        "VITRINE_SEARCH_DIR": str(tmp_path),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vitrine_server",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        env=environ,
        stderr=asyncio.subprocess.DEVNULL,
    )
    key = env.settings.bootstrap_admin_key
    try:
        channels = [
            aio_connect(
                f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)], api_key=key
            )
            for _ in range(4)
        ]

        async def all_ready() -> bool:
            try:
                for c in channels:
                    await c.search.SearchProducts(api.SearchProductsRequest(query="x"), timeout=1)
            except grpc.aio.AioRpcError:
                return False
            return True

        await eventually(all_ready, within=60)
        category = await make_category(env.catalog)
        w = word()
        product = await make_product(env.catalog, category.id, name=f"Cuscuzeira {w}")

        async def everywhere() -> bool:
            for c in channels:
                response = await c.search.SearchProducts(api.SearchProductsRequest(query=w))
                if [h.product.id for h in response.hits] != [product.id]:
                    return False
            return True

        await eventually(everywhere, within=5)
        for c in channels:
            await c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=30)


# -- what goes out -------------------------------------------------------------------


async def test_highlights_escape_catalog_text_when_tags_are_html(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    await make_product(
        env.catalog,
        category.id,
        name=f"<img src=x onerror=alert(1)> Liquidificador {w}",
        brand="<b>Arno</b>",
        description=f"Potente & <script>alert('x')</script> {w} \"top\"",
    )
    response = await env.search.SearchProducts(api.SearchProductsRequest(query=w))
    hit = response.hits[0]
    assert hit.name_highlighted == f"&lt;img src=x onerror=alert(1)&gt; Liquidificador <em>{w}</em>"
    assert hit.brand_highlighted == "&lt;b&gt;Arno&lt;/b&gt;"
    assert "<script>" not in hit.description_snippet
    assert (
        f"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <em>{w}</em>" in hit.description_snippet
    )
    # Tags that are not HTML: the caller renders, the text comes as it is.
    plain = await env.search.SearchProducts(
        api.SearchProductsRequest(query=w, highlight=dict(pre_tag="[[", post_tag="]]"))
    )
    assert plain.hits[0].name_highlighted == f"<img src=x onerror=alert(1)> Liquidificador [[{w}]]"
    suggestion = await env.search.SuggestProducts(api.SuggestProductsRequest(prefix=w))
    assert suggestion.suggestions[0].highlighted == (
        f"&lt;img src=x onerror=alert(1)&gt; Liquidificador <em>{w}</em>"
    )


@pytest.mark.parametrize(
    ("typed", "meant", "pattern"),
    [
        ("celuar", "celular", "smartphone|iphone"),
        ("celulr", "celular", "smartphone|iphone"),
        ("televsor", "televisor", r"\btv\b"),
    ],
)
async def test_typos_of_words_known_only_as_synonyms(
    demo_env: Env, typed: str, meant: str, pattern: str
) -> None:
    import re

    response = await demo_env.search.SearchProducts(api.SearchProductsRequest(query=typed))
    assert response.corrected_query == meant
    assert response.estimated_total_hits > 0
    names = [h.product.name for h in response.hits[:5]]
    assert all(re.search(pattern, n, re.I) for n in names), names


async def test_suggestions_from_the_index_by_popularity(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    quiet = await make_product(env.catalog, category.id, name=f"Espremedor {w}", review_count=3)
    loved = await make_product(
        env.catalog, category.id, name=f"Espremedor {w} Pro", review_count=90
    )
    by_brand = await make_product(
        env.catalog, category.id, name="Outro", brand=f"{w}", review_count=500
    )

    async def suggested() -> list[int]:
        response = await env.search.SuggestProducts(api.SuggestProductsRequest(prefix=w[:5]))
        return [s.product_id for s in response.suggestions]

    # Name matches first, the most reviewed first; then brand matches.
    assert (await suggested())[:3] == [loved.id, quiet.id, by_brand.id]
    # A product trending now comes first among its tier.
    await env.catalog.RecordProductEvents(
        capi.RecordProductEventsRequest(
            events=[dict(product_id=quiet.id, kind=capi.PRODUCT_EVENT_KIND_VIEW, count=50)]
        )
    )
    await env.server.search_trending.refresh()
    assert (await suggested())[:3] == [quiet.id, loved.id, by_brand.id]


@pytest.mark.parametrize(
    "hostile",
    [
        'title:foo AND bar~2 "x" * +y -z [a TO b] {c} ^3 (d OR e) \\\\',
        "NUL-free \ud7ff and emoji 🎉",  # NUL is refused at the boundary (test_bad_input)
        "a" * 200,
    ],
)
async def test_query_syntax_is_never_parsed(env: Env, hostile: str) -> None:
    """Queries are built from the folded words: Tantivy's query syntax in the
    text is only separators, and the answer is an answer, never INTERNAL."""
    response = await env.search.SearchProducts(
        api.SearchProductsRequest(query=hostile, facets=[dict(field=1)])
    )
    assert response.estimated_total_hits >= 0
    await env.search.SuggestProducts(api.SuggestProductsRequest(prefix=hostile[:100]))


async def test_ten_kilobyte_queries_are_refused(env: Env) -> None:
    for call in (
        env.search.SearchProducts(api.SearchProductsRequest(query="x" * 10_000)),
        env.search.SuggestProducts(api.SuggestProductsRequest(prefix="x" * 10_000)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
