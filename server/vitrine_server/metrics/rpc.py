"""Per-RPC metrics under the names and labels of the common gRPC server
convention (go-grpc-prometheus, java-grpc-prometheus): a latency histogram
`grpc_server_handling_seconds` and a counter `grpc_server_handled_total`,
labelled `grpc_type` (unary, client_stream, server_stream, bidi_stream),
`grpc_service` (the full name, e.g. vitrine.catalog.v1.CatalogService),
`grpc_method` and, for the counter, `grpc_code` (OK, NOT_FOUND, ...), so
existing gRPC dashboards and alerts work unchanged.

The call hook only adds to plain Python numbers of a per-method record (one
dict lookup, one bisect, a few additions: well under a microsecond).
prometheus-client's own `observe()` and `inc()` take a lock per value and,
in multi-process mode, write to a memory-mapped file each time: about ten
times as much per call, on the path whose CPU bounds this server's
throughput. `flush()` moves what accumulated since the last flush into the
prometheus-client metrics, when /metrics is scraped (one process) or once a
second (workers under a supervisor; see process.py).

Label values are bounded: services and methods come from the registered
descriptors, codes from grpc.StatusCode.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from prometheus_client import CollectorRegistry, Counter, Histogram

# Upper bounds in seconds: a cache hit answers in well under a millisecond,
# a big batch in seconds. +Inf is added by prometheus-client (and below).
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_OK = grpc.StatusCode.OK


def _grpc_type(method: MethodDescriptor) -> str:
    if method.client_streaming:
        return "bidi_stream" if method.server_streaming else "client_stream"
    return "server_stream" if method.server_streaming else "unary"


class _Method:
    """What one method accumulated, and how much of it was already flushed."""

    __slots__ = (
        "buckets",
        "duration",
        "errors",
        "flushed_buckets",
        "flushed_errors",
        "flushed_ok",
        "flushed_sum",
        "handled",
        "labels",
        "ok",
        "sum",
    )

    def __init__(self, method: MethodDescriptor, duration: Histogram, handled: Counter) -> None:
        self.labels = (_grpc_type(method), method.containing_service.full_name, method.name)
        # One slot per bucket, +Inf last: the index bisect_left gives.
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.sum = 0.0
        self.ok = 0
        self.errors: dict[grpc.StatusCode, int] = {}
        self.flushed_buckets = [0] * (len(BUCKETS) + 1)
        self.flushed_sum = 0.0
        self.flushed_ok = 0
        self.flushed_errors: dict[grpc.StatusCode, int] = {}
        # Label children bound once, so a flush resolves no labels either.
        self.duration = duration.labels(*self.labels)
        self.handled = {_OK: handled.labels(*self.labels, _OK.name)}


class RpcMetrics:
    """A CallHook (rpc/handlers.py) recording every call's duration and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._duration = Histogram(
            "grpc_server_handling_seconds",
            "Time in the service per call, from the parsed request to the answer (hooks included).",
            ["grpc_type", "grpc_service", "grpc_method"],
            buckets=BUCKETS,
            registry=registry,
        )
        self._handled = Counter(
            "grpc_server_handled",
            "Calls answered, by method and gRPC status code.",
            ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
            registry=registry,
        )
        self._methods: dict[MethodDescriptor, _Method] = {}
        # A flush comes from the scrape thread or the event loop: never two at once.
        self._flushing = threading.Lock()

    def declare(self, service: ServiceDescriptor) -> None:
        """Bind every method's series up front, so each is exported (at 0) before its first call."""
        for method in service.methods:
            self._record(method)

    def _record(self, method: MethodDescriptor) -> _Method:
        record = self._methods.get(method)
        if record is None:
            record = self._methods[method] = _Method(method, self._duration, self._handled)
        return record

    # Only observes: the guard never awaits the no-op `before` below.
    checks_calls = False

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None:
        return None

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None:
        record = self._methods.get(method) or self._record(method)
        record.buckets[bisect_left(BUCKETS, seconds)] += 1
        record.sum += seconds
        if code is _OK:
            record.ok += 1
        else:
            record.errors[code] = record.errors.get(code, 0) + 1

    def flush(self) -> None:
        """Add what was recorded since the last flush to the exported metrics.

        Safe beside the event loop thread: it only reads the records (each
        number is read whole under the GIL) and remembers what it flushed.
        """
        with self._flushing:
            for record in tuple(self._methods.values()):
                self._flush_one(record)

    def _flush_one(self, r: _Method) -> None:
        # The counts are read before the buckets: `after` fills a call's bucket
        # before counting it, so every call counted here is in the histogram
        # too (read the other way round, a call recorded in between was
        # counted a flush before its duration, and a scrape saw them differ).
        ok = r.ok
        errors = tuple(r.errors.items())
        buckets = r.buckets[:]
        deltas = [now - before for now, before in zip(buckets, r.flushed_buckets, strict=True)]
        total = r.sum
        if any(deltas):
            _add_to_histogram(r.duration, deltas, total - r.flushed_sum)
            r.flushed_buckets = buckets
            r.flushed_sum = total
        if ok != r.flushed_ok:
            r.handled[_OK].inc(ok - r.flushed_ok)
            r.flushed_ok = ok
        for code, count in errors:
            done = r.flushed_errors.get(code, 0)
            if count != done:
                child = r.handled.get(code)
                if child is None:
                    child = r.handled[code] = self._handled.labels(*r.labels, code.name)
                child.inc(count - done)
                r.flushed_errors[code] = count


def _add_to_histogram(child: Any, bucket_deltas: list[int], sum_delta: float) -> None:
    """Add many observations at once to a labelled Histogram child.

    prometheus-client has no public call for this (`observe` takes one
    value), so this adds to the child's per-bucket values directly: `_buckets`
    (non-cumulative, +Inf last) and `_sum`, both with `inc()` in its
    single- and multi-process value classes. The version is pinned in
    pyproject.toml, and tests/integration/test_metrics.py checks the exported
    buckets, count and sum after real calls.
    """
    for i, delta in enumerate(bucket_deltas):
        if delta:
            child._buckets[i].inc(delta)
    child._sum.inc(sum_delta)
