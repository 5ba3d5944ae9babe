"""The server span of every call, child of the caller's W3C traceparent.

Wraps the guarded handler (rpc/handlers.py), so the span covers access
control and the error policy, and reads the final status the caller gets.
Named `<package>.<Service>/<Method>` with the OTel RPC attributes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, Status, StatusCode

# Statuses that mean the server failed (OTel's RPC conventions for server spans).
_SERVER_ERRORS = {
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DATA_LOSS,
}


class _MetadataGetter(Getter[dict[str, str]]):
    def get(self, carrier: dict[str, str], key: str) -> list[str] | None:
        value = carrier.get(key)
        return None if value is None else [value]

    def keys(self, carrier: dict[str, str]) -> list[str]:
        return list(carrier)


_GETTER = _MetadataGetter()


def _caller_context(context: grpc.aio.ServicerContext) -> Context | None:
    """The caller's trace context from the metadata the propagators read
    (OTEL_PROPAGATORS; by default W3C traceparent, tracestate, baggage)."""
    fields = propagate.get_global_textmap().fields
    metadata: Iterable[tuple[str, Any]] = context.invocation_metadata() or ()
    carrier = {k: v for k, v in metadata if k in fields and isinstance(v, str)}
    if not carrier:
        return None  # a root span
    return propagate.extract(carrier, getter=_GETTER)


def _code(err: BaseException | None, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    if err is None:
        return grpc.StatusCode.OK
    if isinstance(err, (asyncio.CancelledError, GeneratorExit)):
        return grpc.StatusCode.CANCELLED
    return context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]


def _finish(span: trace.Span, code: grpc.StatusCode) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code in _SERVER_ERRORS:
        span.set_status(Status(StatusCode.ERROR, code.name))


def server_spans(
    tracer: trace.Tracer, method: MethodDescriptor
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator giving each call of `method` its server span."""
    service = method.containing_service.full_name
    name = f"{service}/{method.name}"
    attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method.name}

    def start(context: grpc.aio.ServicerContext) -> trace.Span:
        return tracer.start_span(
            name,
            context=_caller_context(context),
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )

    traced = _traced_stream if method.server_streaming else _traced_unary
    return functools.partial(traced, start)


def _traced_unary(
    start: Callable[[grpc.aio.ServicerContext], trace.Span], handler: Callable[..., Any]
) -> Callable[..., Any]:
    async def traced(request: Any, context: grpc.aio.ServicerContext) -> Any:
        span = start(context)
        if not span.is_recording():  # not sampled: no context to carry, no children
            return await handler(request, context)
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            response = await handler(request, context)
        except BaseException as err:
            _finish(span, _code(err, context))
            raise
        else:
            _finish(span, grpc.StatusCode.OK)
            return response
        finally:
            otel_context.detach(token)
            span.end()

    return traced


def _traced_stream(
    start: Callable[[grpc.aio.ServicerContext], trace.Span], handler: Callable[..., Any]
) -> Callable[..., Any]:
    async def traced(request: Any, context: grpc.aio.ServicerContext) -> Any:
        span = start(context)
        current = trace.set_span_in_context(span)
        responses = handler(request, context)
        code = grpc.StatusCode.OK
        try:
            while True:
                # Current around each step of the handler only: between
                # two messages the stream may be resumed, or closed, from
                # another context, where a token of this one cannot be reset.
                token = otel_context.attach(current)
                try:
                    response = await responses.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    otel_context.detach(token)
                yield response
        except BaseException as err:
            code = _code(err, context)
            raise
        finally:
            await responses.aclose()
            _finish(span, code)
            span.end()

    return traced
