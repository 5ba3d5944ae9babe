"""Registering servicers, with the service's one error policy.

Every RPC of every service goes through `_guard`: it publishes the caller's
deadline to the stores (rpc/deadline.py), runs the server's call hooks
(authentication, rate limits, metrics: see `CallHook`), checks the request
at the boundary (rpc/decoding.py, rpc/guard.py: malformed bytes, invalid
timestamps, NUL in text, oversized lists... in any field of any method),
turns domain errors into statuses with google.rpc details (rpc/status.py),
and turns anything unexpected into a bare INTERNAL that is logged once with
its trace and shown to nobody.

This wraps each method when the service is registered instead of running as
a grpc.aio ServerInterceptor: an aio interceptor is awaited on every call to
look the handler up again, and per-call CPU is this server's limit
(docs/benchmarks.md). Registering ourselves also lets a handler return
already-serialized bytes (a cache hit) that go to the wire unparsed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from opentelemetry import trace

from vitrine_server import errors
from vitrine_server.rpc import deadline, drain
from vitrine_server.rpc.decoding import decoder
from vitrine_server.rpc.guard import RequestGuard
from vitrine_server.rpc.status import internal_status, new_request_id, to_status
from vitrine_server.tracing.rpc import server_spans

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

log = logging.getLogger("vitrine.rpc")


class CallHook(Protocol):
    """Cross-cutting work around every call of a registered service.

    `before` runs in order before the handler; raising a VitrineError refuses
    the call with that status (the handler never runs). `after` runs once per
    call, refused or not, with the final status code and the elapsed seconds.
    Health and reflection are registered by grpcio itself and skip the hooks.

    A hook that only observes sets `checks_calls = False` and one that only
    admits sets `observes_calls = False`: the guard then skips that half,
    which the hot path would otherwise pay for on every call.
    """

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None: ...

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None: ...


def serialize(response: Any) -> bytes:
    """Messages are serialized; bytes are already a serialized response."""
    if type(response) is bytes:
        return response
    return response.SerializeToString()


def _code_of(err: BaseException, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    if isinstance(err, errors.VitrineError):
        return err.code
    if isinstance(err, grpc.aio.AbortError):
        return context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
    if isinstance(err, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    return grpc.StatusCode.INTERNAL


# Errors that say the service, not the caller, is in trouble: logged as warnings.
_SERVER_SIDE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def _abort_for(err: BaseException, context: grpc.aio.ServicerContext, method: str) -> None:
    """Answer the error with its status; one log line, with the request id the
    caller finds in the error's RequestInfo (AIP-193). Callers' mistakes log
    at INFO, so VITRINE_LOG_LEVEL=WARNING silences them."""
    if isinstance(err, asyncio.CancelledError):  # cut short by a stopping server (rpc/drain.py)
        err = errors.ShuttingDown()
    request_id = new_request_id()
    trace_id = None
    span = trace.get_current_span()  # tracing off: a no-op span
    if span.get_span_context().is_valid:
        span.set_attribute("vitrine.request_id", request_id)
        trace_id = format(span.get_span_context().trace_id, "032x")
    if isinstance(err, errors.VitrineError):
        # A stopping server refuses many calls: it logs one line, not one per call.
        if not isinstance(err, errors.ShuttingDown):
            log.log(
                logging.WARNING if err.code in _SERVER_SIDE else logging.INFO,
                "%s: %s %s",
                method,
                err.code.name,
                err.message,
                extra={
                    "request_id": request_id,
                    "trace_id": trace_id,
                    "code": err.code.name,
                    "reason": err.reason,
                },
            )
        await context.abort_with_status(to_status(err, request_id))
    log.error(
        "unexpected error in %s",
        method,
        exc_info=err,
        extra={"request_id": request_id, "trace_id": trace_id, "code": "INTERNAL"},
    )
    await context.abort_with_status(internal_status(request_id))


async def _checked_stream(requests: AsyncIterator[Any], check: RequestGuard) -> AsyncIterator[Any]:
    """A client stream whose every message passes the boundary checks."""
    async for request in requests:
        check(request)
        yield request


def _interrupted(err: BaseException) -> bool:
    """A call cancelled because the server stops (rpc/drain.py): UNAVAILABLE."""
    return isinstance(err, asyncio.CancelledError) and drain.interrupted(asyncio.current_task())


def _passes_through(err: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """What goes on as it is, not mapped to a status: `kinds`, and anything
    that is not an Exception (a KeyboardInterrupt, a SystemExit)."""
    return isinstance(err, kinds) or not isinstance(err, Exception)


_UNARY_PASSES = (grpc.aio.AbortError, asyncio.CancelledError)
_STREAM_PASSES = (grpc.aio.AbortError, asyncio.CancelledError, GeneratorExit)


def _guard_unary(
    fn: Callable[..., Any],
    method: MethodDescriptor,
    hooks: Sequence[CallHook],
    check: RequestGuard,
) -> Callable[..., Any]:
    befores = tuple(h.before for h in hooks if getattr(h, "checks_calls", True))
    afters = tuple(h.after for h in hooks if getattr(h, "observes_calls", True))
    if not befores and not afters:  # the hot path pays nothing for hooks it does not have
        return _bare_unary(fn, method, check)
    return _hooked_unary(fn, method, befores, afters, check)


def _bare_unary(
    fn: Callable[..., Any], method: MethodDescriptor, check: RequestGuard
) -> Callable[..., Any]:
    name = f"/{method.containing_service.full_name}/{method.name}"
    streaming = method.client_streaming

    async def bare(request: Any, context: grpc.aio.ServicerContext) -> Any:
        deadline.set_remaining(context.time_remaining())
        try:
            if streaming:
                request = _checked_stream(request, check)
            else:
                check(request)
            return await fn(request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as err:  # one policy for every method: see module docstring
            await _abort_for(err, context, name)

    return bare


def _hooked_unary(
    fn: Callable[..., Any],
    method: MethodDescriptor,
    befores: tuple[Callable[..., Any], ...],
    afters: tuple[Callable[..., Any], ...],
    check: RequestGuard,
) -> Callable[..., Any]:
    name = f"/{method.containing_service.full_name}/{method.name}"
    streaming = method.client_streaming

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        deadline.set_remaining(context.time_remaining())
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            for before in befores:
                await before(method, context)
            if streaming:
                request = _checked_stream(request, check)
            else:
                check(request)
            return await fn(request, context)
        except BaseException as err:
            code = _code_of(err, context)
            if _interrupted(err):
                code = grpc.StatusCode.UNAVAILABLE
            elif _passes_through(err, _UNARY_PASSES):
                raise
            await _abort_for(err, context, name)
        finally:
            elapsed = time.perf_counter() - started
            for after in afters:
                after(method, code, elapsed)

    return handler


def _guard_stream(
    fn: Callable[..., Any],
    method: MethodDescriptor,
    hooks: Sequence[CallHook],
    check: RequestGuard,
) -> Callable[..., Any]:
    name = f"/{method.containing_service.full_name}/{method.name}"
    befores = tuple(h.before for h in hooks if getattr(h, "checks_calls", True))
    afters = tuple(h.after for h in hooks if getattr(h, "observes_calls", True))

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        deadline.set_remaining(context.time_remaining())
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            for before in befores:
                await before(method, context)
            if method.client_streaming:
                request = _checked_stream(request, check)
            else:
                check(request)
            async for response in fn(request, context):
                yield response
        except BaseException as err:
            code = _code_of(err, context)
            if _interrupted(err):
                code = grpc.StatusCode.UNAVAILABLE
            elif _passes_through(err, _STREAM_PASSES):
                raise
            await _abort_for(err, context, name)
        finally:
            elapsed = time.perf_counter() - started
            for after in afters:
                after(method, code, elapsed)

    return handler


def register_service(
    server: grpc.aio.Server,
    service: ServiceDescriptor,
    servicer: object,
    hooks: Sequence[CallHook] = (),
    tracer: Tracer | None = None,
) -> None:
    """Register `servicer`'s methods (named as in the proto) for `service`,
    each guarded by the error policy, the boundary checks and the call
    `hooks` (read now: a hook added to the list later does not run), and with
    a `tracer`, each call in a server span (tracing/rpc.py).

    A servicer class may name, in `items_checked_by_service`, the full names of
    list fields whose items it judges one by one (see rpc/guard.py)."""
    exempt: Collection[str] = getattr(type(servicer), "items_checked_by_service", ())
    handlers = {}
    for method in service.methods:
        fn = getattr(servicer, method.name)
        name = f"/{service.full_name}/{method.name}"
        check = RequestGuard(method.input_type, name, exempt)
        request_type = message_factory.GetMessageClass(method.input_type)
        kwargs: dict[str, Any] = {
            "request_deserializer": decoder(request_type),
            "response_serializer": serialize,
        }
        guard = _guard_stream if method.server_streaming else _guard_unary
        guarded = guard(fn, method, hooks, check)
        if tracer is not None:
            guarded = server_spans(tracer, method)(guarded)
        h: grpc.RpcMethodHandler
        if method.client_streaming and method.server_streaming:
            h = grpc.stream_stream_rpc_method_handler(guarded, **kwargs)
        elif method.client_streaming:
            h = grpc.stream_unary_rpc_method_handler(guarded, **kwargs)
        elif method.server_streaming:
            h = grpc.unary_stream_rpc_method_handler(guarded, **kwargs)
        else:
            h = grpc.unary_unary_rpc_method_handler(guarded, **kwargs)
        handlers[method.name] = h
    # Generic handlers only: grpcio's "registered method" table, which the
    # generated add_*_to_server also fills, measured 10-20% slower per call
    # here under h2load (see the commit that removed it).
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.full_name, handlers),)
    )
