"""Opt-in OpenTelemetry tracing, for real: a server with an in-memory span
exporter, called with a W3C traceparent through a real channel; the server
span continues the caller's trace, and the PostgreSQL statements (by name)
and Redis round trips of the call are its children."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine_client.auth import aio_interceptors
from vitrine_server.app import VitrineServer
from vitrine_server.config import ConfigError
from vitrine_server.tracing import provider_from_env

from tests.support import (
    ADMIN_KEY,
    details,
    expect_error,
    make_category,
    make_product,
    unique,
)

TRACE_ID = uuid.uuid4().hex
PARENT_SPAN_ID = uuid.uuid4().hex[:16]
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


@dataclasses.dataclass
class Traced:
    exporter: InMemorySpanExporter
    catalog: catalog_service_pb2_grpc.CatalogServiceStub
    pricing: pricing_service_pb2_grpc.PricingServiceStub

    def spans_of_trace(self) -> list[ReadableSpan]:
        return [
            s for s in self.exporter.get_finished_spans() if s.context.trace_id == int(TRACE_ID, 16)
        ]


@pytest_asyncio.fixture
async def traced(env) -> AsyncIterator[Traced]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    server = VitrineServer(env.settings, tracer_provider=provider)
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=aio_interceptors(ADMIN_KEY)
        ) as channel:
            yield Traced(
                exporter,
                catalog_service_pb2_grpc.CatalogServiceStub(channel),
                pricing_service_pb2_grpc.PricingServiceStub(channel),
            )
    finally:
        await server.stop(grace=0.5)


def _descends_from(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    while span.parent is not None:
        if span.parent.span_id == ancestor.context.span_id:
            return True
        parent = by_id.get(span.parent.span_id)
        if parent is None:
            return False
        span = parent
    return False


async def test_a_call_continues_the_callers_trace_into_sql_and_redis(traced: Traced):
    category = await make_category(traced.catalog)
    product = await make_product(traced.catalog, category.id)
    # Durable in PostgreSQL (one transaction), then mirrored in a Redis set.
    await traced.catalog.AddFavorite(
        api.AddFavoriteRequest(user_id="ana", product_id=product.id),
        metadata=(("traceparent", TRACEPARENT),),
    )
    spans = traced.spans_of_trace()
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.name == "vitrine.catalog.v1.CatalogService/AddFavorite"
    assert server.parent is not None and server.parent.span_id == int(PARENT_SPAN_ID, 16)
    assert server.parent.is_remote
    assert server.attributes["rpc.system"] == "grpc"
    assert server.attributes["rpc.method"] == "AddFavorite"
    assert server.attributes["rpc.grpc.status_code"] == 0

    children = [s for s in spans if s is not server]
    assert all(_descends_from(s, server, spans) for s in children)
    statements = [s.name for s in children if s.attributes.get("db.system.name") == "postgresql"]
    # Named as AdminService.ListStatements names them; asyncpg's own by their word.
    assert statements == [
        "BEGIN",
        "catalog.offers.product_exists",
        "catalog.favorites.add_favorite",
        "COMMIT",
    ]
    redis = {s.name for s in children if s.attributes.get("db.system.name") == "redis"}
    assert redis, [s.name for s in children]
    assert all(name.startswith("redis ") for name in redis)


async def test_a_failed_call_records_its_status_and_request_id(traced: Traced):
    err = await expect_error(
        traced.catalog.GetProduct(
            api.GetProductRequest(id=987_654_321), metadata=(("traceparent", TRACEPARENT),)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    request_id = details(err)["RequestInfo"].request_id
    servers = [
        s
        for s in traced.spans_of_trace()
        if s.kind is SpanKind.SERVER and s.attributes.get("vitrine.request_id") == request_id
    ]
    assert len(servers) == 1
    assert servers[0].attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]


def test_tracing_is_off_unless_an_exporter_is_named():
    assert provider_from_env({}) is None
    assert provider_from_env({"OTEL_TRACES_EXPORTER": "none"}) is None
    assert (
        provider_from_env({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}) is None
    )
    provider = provider_from_env({"OTEL_TRACES_EXPORTER": "console"})
    assert provider is not None
    provider.shutdown()
    with pytest.raises(ConfigError, match="zipkin"):
        provider_from_env({"OTEL_TRACES_EXPORTER": "zipkin"})


async def test_off_means_nothing_is_wrapped(env):
    assert env.server.tracing is None
    assert type(env.server.db.pool._connection_class).__name__ != "TracedConnection"


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC endpoint that keeps what it is sent."""

    def __init__(self) -> None:
        self.spans: list[Any] = []

    async def Export(self, request: Any, context: Any) -> Any:
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.spans.extend((resource.resource, span) for span in scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


async def test_spans_reach_an_otlp_collector_configured_by_otel_variables(env, monkeypatch):
    collector = _Collector()
    sink = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, sink)
    sink_port = sink.add_insecure_port("127.0.0.1:0")
    await sink.start()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{sink_port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "vitrine-under-test")
    server = VitrineServer(env.settings)  # tracing from the environment, as `vitrine run`
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=aio_interceptors(ADMIN_KEY)
        ) as channel:
            stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
            await stub.ListStores(api.ListStoresRequest(), metadata=(("traceparent", TRACEPARENT),))
    finally:
        await server.stop(grace=0.5)  # flushes the exporter's batch
        await sink.stop(0)
    ours = [(r, s) for r, s in collector.spans if s.trace_id.hex() == TRACE_ID]
    assert {s.name for _, s in ours} >= {
        "vitrine.catalog.v1.CatalogService/ListStores",
        "catalog.stores.list_stores",
    }, [s.name for _, s in ours]
    service = {
        a.key: a.value.string_value for a in ours[0][0].attributes if a.key == "service.name"
    }
    assert service == {"service.name": "vitrine-under-test"}


async def test_a_stream_has_one_server_span_ended_with_the_stream(traced: Traced, caplog):
    call = traced.pricing.StreamTriggeredAlerts(
        pricing.StreamTriggeredAlertsRequest(
            consumer_group=unique("traced"), consumer="c1", ack_timeout={"seconds": 30}
        ),
        metadata=(("traceparent", TRACEPARENT),),
    )
    with contextlib.suppress(TimeoutError):  # alerts of other tests may arrive: fine
        await asyncio.wait_for(call.read(), 0.5)
    call.cancel()
    await asyncio.sleep(0.2)
    (span,) = [
        s
        for s in traced.spans_of_trace()
        if s.name == "vitrine.pricing.v1.PricingService/StreamTriggeredAlerts"
    ]
    assert span.kind is SpanKind.SERVER and span.end_time is not None
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.CANCELLED.value[0]
    # The span's context was never left attached to a context it cannot be reset in.
    assert not [r for r in caplog.records if r.name.startswith("opentelemetry")]
