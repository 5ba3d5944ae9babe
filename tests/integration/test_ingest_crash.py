"""A writer killed mid-batch: the real command (two workers), a large
RecordPriceBatch in flight, kill -9 of the worker processes while its
transaction is open. Nothing acknowledged is lost, nothing half-done
stays, and the scraper's retry with the same batch id is applied exactly
once (a second retry replays it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import uuid
from pathlib import Path

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as catalog_api
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine_client.auth import aio_interceptors

from tests.integration.test_pricing_ingestion import NOW, seen, ts
from tests.support import (
    Env,
    brl,
    make_category,
    make_product,
    make_store,
    start_command,
    stop_command,
    unique,
)

OFFERS = 1_000
PRODUCTS = 100
ROUNDS = 5  # observations per offer in the batch: 5,000 in all
CHANGED = obs.OBSERVATION_OUTCOME_CHANGED
STEP = dt.timedelta(milliseconds=600)  # every observation within the last hour


def _workers_of(supervisor: int) -> list[int]:
    """Pids of the supervisor's live worker processes."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == supervisor and fields[0] != "Z" and b"spawn_main" in cmdline:
            pids.append(int(proc.name))
    return sorted(pids)


async def _offers(env: Env) -> list[int]:
    """OFFERS offers of one store, over PRODUCTS products."""
    category = await make_category(env.catalog)
    store = await make_store(env.catalog)
    products = [(await make_product(env.catalog, category.id)).id for _ in range(PRODUCTS)]
    first = ts(NOW - dt.timedelta(days=1))
    response = await env.catalog.UpsertOffers(
        catalog_api.UpsertOffersRequest(
            offers=[
                dict(
                    product_id=products[i % PRODUCTS],
                    store_id=store.id,
                    external_id=unique("sku"),
                    url="https://loja.example.com.br/p",
                    price=brl(10_000 + i),
                    in_stock=True,
                    observed_time=first,
                )
                for i in range(OFFERS)
            ]
        )
    )
    return [o.id for o in response.offers]


def _batch(offer_ids: list[int], batch_id: str) -> api.RecordPriceBatchRequest:
    """Every offer observed ROUNDS times in the last hour, each time at a new price."""
    start = NOW - dt.timedelta(hours=1)
    observations = [
        seen(offer_id, 20_000 + r * 10 + i % 7, start + (r * OFFERS + i) * STEP)
        for r in range(ROUNDS)
        for i, offer_id in enumerate(offer_ids)
    ]
    return api.RecordPriceBatchRequest(batch_id=batch_id, observations=observations)


async def _batch_running(pool, since: dt.datetime) -> bool:
    """Whether a server backend is recording the batch: inside a transaction
    that has written (the batch id claimed), at its set-based statement."""
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'vitrine' AND backend_xid IS NOT NULL"
            " AND xact_start >= $1 AND query LIKE '%WITH obs AS%'",
            since,
        )
    )


async def _server_transactions_ended(pool) -> None:
    """Wait until no server backend holds a transaction: a killed worker's
    backend notices its client is gone at its next read, and rolls back."""
    for _ in range(600):
        if not await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'vitrine' AND backend_xid IS NOT NULL"
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("a killed worker's transaction is still open")


async def test_a_worker_killed_mid_batch_loses_nothing_and_the_retry_applies_once(env, db):
    offer_ids = await _offers(env)
    batch_id = uuid.uuid4().hex
    request = _batch(offer_ids, batch_id)
    proc, port = await start_command(
        env.settings.database_url,
        env.settings.redis_url,
        env.settings.redis_prefix,
        workers=2,
        VITRINE_RATE_LIMIT_PER_MINUTE="0",
    )
    channel = grpc.aio.insecure_channel(
        f"127.0.0.1:{port}",
        options=[("grpc.enable_retries", 0)],
        interceptors=aio_interceptors(env.settings.bootstrap_admin_key),
    )
    stub = pricing_service_pb2_grpc.PricingServiceStub(channel)
    try:
        for _ in range(300):  # spawn + imports: slow on a busy machine
            try:
                await stub.ListPriceDrops(api.ListPriceDropsRequest(page_size=1), timeout=1)
                break
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)
        since = await db.fetchval("SELECT now()")
        call = asyncio.ensure_future(stub.RecordPriceBatch(request, timeout=60))
        # Kill -9 every worker while the batch's transaction is recording.
        for _ in range(5000):
            if call.done() or await _batch_running(db, since):
                break
            await asyncio.sleep(0.002)
        assert not call.done(), "the batch finished before it could be interrupted"
        workers = _workers_of(proc.pid)
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        try:
            await call
            raise AssertionError("the call must fail: its worker was killed")
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.UNAVAILABLE, err
        await _server_transactions_ended(db)
        # Unacknowledged, so the scraper cannot know whether it was recorded:
        # all of it, if the kill came after the commit; else none of it.
        committed = await db.fetchval(
            "SELECT count(*) FROM ingest_batches WHERE batch_id = $1", batch_id
        )
        points = await db.fetchval(
            "SELECT count(*) FROM price_points WHERE offer_id = ANY($1::bigint[])", offer_ids
        )
        assert points == (OFFERS * (ROUNDS + 1) if committed else OFFERS)

        # It retries with the same batch id once the supervisor has restarted
        # the workers: recorded exactly once.
        response = None
        for _ in range(300):
            try:
                response = await stub.RecordPriceBatch(request, timeout=60)
                break
            except grpc.aio.AioRpcError as err:
                assert err.code() == grpc.StatusCode.UNAVAILABLE, err
                await asyncio.sleep(0.1)
        assert response is not None
        assert response.replayed == bool(committed)
        assert response.accepted_count == OFFERS * ROUNDS
        assert all(r.outcome == CHANGED for r in response.results)
        again = await stub.RecordPriceBatch(request, timeout=60)
        assert again.replayed
        assert list(again.results) == list(response.results)
    finally:
        await channel.close()
        if proc.returncode is None:
            await stop_command(proc)
    # One point per observation (each a new price), once, and each offer's
    # current price is its last one.
    assert await db.fetchval(
        "SELECT count(*) FROM price_points WHERE offer_id = ANY($1::bigint[])", offer_ids
    ) == OFFERS * (ROUNDS + 1)
    last = {o.offer_id: o.price.amount_minor for o in request.observations}
    current = dict(
        await db.fetch("SELECT id, price_minor FROM offers WHERE id = ANY($1::bigint[])", offer_ids)
    )
    assert current == last
    assert (
        await db.fetchval("SELECT count(*) FROM ingest_batches WHERE batch_id = $1", batch_id) == 1
    )
