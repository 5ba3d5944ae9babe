"""The tracer provider from the OTEL_* environment, as the OTel SDK defines it.

Tracing is opt-in: it is on when OTEL_TRACES_EXPORTER names an exporter
(`otlp`, or `console` for development; a comma-separated list for both),
and off when it is unset, `none`, or OTEL_SDK_DISABLED=true. The SDK and
the exporter read the rest themselves: OTEL_SERVICE_NAME (default here:
vitrine), OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / HEADERS / TIMEOUT / CERTIFICATE,
OTEL_BSP_* (the batch processor), OTEL_PROPAGATORS (default: W3C
tracecontext and baggage). The OTLP exporter speaks gRPC.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Tracer

from vitrine_server.config import ConfigError

EXPORTERS = ("otlp", "console")


def _exporter(name: str, env: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"
    )
    if protocol != "grpc":
        raise ConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: Vitrine's OTLP exporter speaks grpc"
        )
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def _resource() -> Resource:
    """The SDK's resource (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME), named
    `vitrine` unless they name the service."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "vitrine"}))
    return resource


def provider_from_env(env: Mapping[str, str] | None = None) -> TracerProvider | None:
    """A provider exporting to OTEL_TRACES_EXPORTER's exporters, or None (off).

    `env` (default: the process environment) decides on, off and the
    exporters; the SDK and the OTLP exporter read the other OTEL_* variables
    from the process environment themselves.
    """
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",")]
    names = [n for n in names if n and n != "none"]
    if not names:
        return None
    unknown = sorted(set(names) - set(EXPORTERS))
    if unknown:
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER={env['OTEL_TRACES_EXPORTER']!r}: unknown exporter "
            f"{', '.join(unknown)} (Vitrine ships {', '.join(EXPORTERS)}, or none)"
        )
    provider = TracerProvider(resource=_resource())
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name, env)))
    return provider


class Tracing:
    """One process's tracer, and the provider to flush when it stops."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("vitrine")

    async def close(self) -> None:
        """Export what is still queued (the batch processor's thread)."""
        await asyncio.to_thread(self.provider.shutdown)
