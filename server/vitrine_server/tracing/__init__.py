"""Opt-in OpenTelemetry tracing: a server span per call, child spans for
PostgreSQL statements (named by their statement name) and Redis round trips,
W3C traceparent taken from the caller.

Off unless OTEL_TRACES_EXPORTER names an exporter (setup.py); when off,
nothing is wrapped and no call pays for it.
"""

from vitrine_server.tracing.setup import Tracing, provider_from_env

__all__ = ["Tracing", "provider_from_env"]
