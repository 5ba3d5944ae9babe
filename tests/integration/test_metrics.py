"""Prometheus metrics scraped over HTTP after real calls: per-RPC counts by
status code and latency histograms, pool and reachability gauges, and counts
exported from a component."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine_client.auth import aio_interceptors
from vitrine_server.app import VitrineServer
from vitrine_server.config import ConfigError, Settings
from vitrine_server.metrics.endpoint import MetricsEndpoint
from vitrine_server.metrics.process import ProcessMetrics

from tests.prom import Samples, scrape, value
from tests.support import ADMIN_KEY, make_category, make_product, make_store

CATALOG = "vitrine.catalog.v1.CatalogService"


@dataclasses.dataclass
class Served:
    server: VitrineServer
    catalog: catalog_service_pb2_grpc.CatalogServiceStub

    async def scrape(self) -> Samples:
        return await asyncio.to_thread(scrape, self.server.metrics_port)


@pytest_asyncio.fixture
async def served(env) -> AsyncIterator[Served]:
    """A fresh server (so counts start at zero) with /metrics on an ephemeral port."""
    settings = dataclasses.replace(env.settings, metrics_port=0, metrics_host="127.0.0.1")
    server = VitrineServer(settings)
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=aio_interceptors(ADMIN_KEY)
        ) as channel:
            yield Served(server, catalog_service_pb2_grpc.CatalogServiceStub(channel))
    finally:
        await server.stop(grace=0.5)


async def test_calls_are_counted_by_method_and_code(served: Served) -> None:
    store = await make_store(served.catalog)
    for _ in range(3):
        await served.catalog.GetStore(api.GetStoreRequest(id=store.id))
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError):
            await served.catalog.GetStore(api.GetStoreRequest(id=2_000_000_000))
    with pytest.raises(grpc.aio.AioRpcError):
        await served.catalog.CreateStore(api.CreateStoreRequest(store=dict(slug="Not A Slug")))

    samples = await served.scrape()
    handled = "grpc_server_handled_total"
    assert (
        value(
            samples,
            handled,
            grpc_type="unary",
            grpc_service=CATALOG,
            grpc_method="GetStore",
            grpc_code="OK",
        )
        == 3
    )
    assert (
        value(
            samples,
            handled,
            grpc_type="unary",
            grpc_service=CATALOG,
            grpc_method="GetStore",
            grpc_code="NOT_FOUND",
        )
        == 2
    )
    assert (
        value(
            samples,
            handled,
            grpc_type="unary",
            grpc_service=CATALOG,
            grpc_method="CreateStore",
            grpc_code="OK",
        )
        == 1
    )
    assert (
        value(
            samples,
            handled,
            grpc_type="unary",
            grpc_service=CATALOG,
            grpc_method="CreateStore",
            grpc_code="INVALID_ARGUMENT",
        )
        == 1
    )
    # Declared methods are exported before their first call.
    assert (
        handled,
        frozenset(
            dict(
                grpc_type="unary", grpc_service=CATALOG, grpc_method="ListTrending", grpc_code="OK"
            ).items()
        ),
    ) in samples

    duration = "grpc_server_handling_seconds"
    labels = dict(grpc_type="unary", grpc_service=CATALOG, grpc_method="GetStore")
    assert value(samples, f"{duration}_count", **labels) == 5
    assert value(samples, f"{duration}_bucket", le="+Inf", **labels) == 5
    assert 0 < value(samples, f"{duration}_sum", **labels) < 5 * 10
    # Buckets are cumulative: never decreasing, ending at the count.
    buckets = sorted(
        (float(dict(key)["le"]), v)
        for (name, key), v in samples.items()
        if name == f"{duration}_bucket" and dict(key).get("grpc_method") == "GetStore"
    )
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)

    # A second scrape adds only what happened in between.
    await served.catalog.GetStore(api.GetStoreRequest(id=store.id))
    again = await served.scrape()
    assert (
        value(
            again,
            handled,
            grpc_type="unary",
            grpc_service=CATALOG,
            grpc_method="GetStore",
            grpc_code="OK",
        )
        == 4
    )
    assert value(again, f"{duration}_count", **labels) == 6


async def test_pool_and_reachability_gauges(served: Served) -> None:
    await make_store(served.catalog)
    samples = await served.scrape()
    size = value(samples, "vitrine_pg_pool_connections")
    assert size >= 1
    assert value(samples, "vitrine_pg_pool_idle") + value(samples, "vitrine_pg_pool_in_use") == size
    assert value(samples, "vitrine_pg_pool_max") == served.server.settings.pool_max_size
    assert value(samples, "vitrine_postgres_up") == 1
    assert value(samples, "vitrine_redis_up") == 1
    assert value(samples, "vitrine_cache_trusted") == 1


async def test_exported_counts_grow_by_what_the_component_counted(served: Served) -> None:
    metrics = served.server.metrics
    assert metrics is not None
    counts = {"hit": 0, "miss": 0}
    metrics.export_counts("vitrine_test_reads", "Reads by result.", "result", lambda: counts)
    counts.update(hit=5, miss=1)
    samples = await served.scrape()
    assert value(samples, "vitrine_test_reads_total", result="hit") == 5
    assert value(samples, "vitrine_test_reads_total", result="miss") == 1
    counts.update(hit=7)
    samples = await served.scrape()
    assert value(samples, "vitrine_test_reads_total", result="hit") == 7


async def test_metrics_are_off_unless_a_port_is_set(env) -> None:
    assert env.server.metrics is None and env.server.metrics_port == 0
    assert Settings.from_env({}).metrics_port == 9464
    assert Settings.from_env({"VITRINE_METRICS_PORT": "off"}).metrics_port is None
    assert Settings.from_env({"VITRINE_METRICS_PORT": "0"}).metrics_port == 0


def test_a_taken_metrics_port_is_a_clear_error() -> None:
    first = MetricsEndpoint(ProcessMetrics().registry, "127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match=r"cannot serve metrics on 127\.0\.0\.1"):
            MetricsEndpoint(ProcessMetrics().registry, "127.0.0.1", first.port)
    finally:
        first.close()


async def test_cache_and_rate_limit_counts_are_exported(served: Served) -> None:
    category = await make_category(served.catalog)
    product = await make_product(served.catalog, category.id)
    for _ in range(3):  # a miss fills the cache, then hits
        await served.catalog.GetProduct(api.GetProductRequest(id=product.id))
    samples = await served.scrape()
    events = {
        dict(labels)["event"]: v
        for (name, labels), v in samples.items()
        if name == "vitrine_cache_events_total"
    }
    assert events.get("product:hits", 0) >= 1 and events.get("product:misses", 0) >= 1, events
    asks = value(samples, "vitrine_rate_limit_events_total", event="redis_asks")
    limited = value(samples, "vitrine_rate_limit_events_total", event="limited")
    assert asks >= 1 and limited == 0
