"""One server process: its components, its gRPC server, its lifecycle.

Start: build the components (wiring.py: the pool, Redis, the services),
register them with health and reflection, bind (TLS when configured), start
the background loops, then mark every service SERVING. Everything started is
registered on one AsyncExitStack, so closing it stops everything in reverse
order, also after a start that failed half way.

Stop: mark NOT_SERVING first, keep serving for the drain period (balancers
and clients watching health move away), then take no new call and let the
running ones finish within the grace period, ending those that cannot with
UNAVAILABLE (rpc/drain.py), then close the stack: the loops, the pool and
Redis. Everything after the drain period ends within the grace period,
whatever PostgreSQL and Redis do.

Metrics (metrics/instrument.py): when `metrics_port` is set, a call hook
records every call, and this process serves /metrics itself, or, as a worker
under the multi-worker supervisor (`serve_metrics=False`), leaves that to the
supervisor, which adds up every worker's values.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
import redis.asyncio as aioredis
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.sdk.trace import TracerProvider
from vitrine.admin.v1 import admin_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2
from vitrine.pricing.v1 import pricing_service_pb2
from vitrine.search.v1 import search_service_pb2

from vitrine_server import tls, wiring
from vitrine_server.access.ratelimit import RateLimiter
from vitrine_server.admin.operations import Operations
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.background import Background, cancel_and_wait
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.catalog.handlers import CatalogHandlers
from vitrine_server.config import DEFAULT_MIN_CLIENT_PING_INTERVAL_MS, Settings
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import ReadRouter
from vitrine_server.metrics.endpoint import MetricsEndpoint
from vitrine_server.metrics.instrument import instrument
from vitrine_server.metrics.process import ProcessMetrics, Refresher
from vitrine_server.pricing.alerts import AlertDelivery
from vitrine_server.pricing.partitions import PartitionMaintainer
from vitrine_server.rpc import status as _status  # noqa: F401  (registers google.rpc details)
from vitrine_server.rpc.drain import CallGate
from vitrine_server.rpc.handlers import CallHook, register_service
from vitrine_server.search.engine import SearchEngine
from vitrine_server.search.engine.trending import Trending
from vitrine_server.search.maintenance import SearchMaintenance
from vitrine_server.search.service import SearchService
from vitrine_server.tracing import Tracing

log = logging.getLogger("vitrine.server")

CATALOG = catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"]
PRICING = pricing_service_pb2.DESCRIPTOR.services_by_name["PricingService"]
SEARCH = search_service_pb2.DESCRIPTOR.services_by_name["SearchService"]
ADMIN = admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"]
# Services whose health follows PostgreSQL's reachability (search's follows
# its index: SERVING once the index is ready).
DATA_SERVICES = (CATALOG.full_name, PRICING.full_name, SEARCH.full_name)
PG_SERVICES = (CATALOG.full_name, PRICING.full_name)
# Every service registered with the call hooks (so with access control).
SERVICES = (CATALOG, PRICING, SEARCH, ADMIN)

# Keepalive: clients may ping every 10 s or slower (vitrine_client pings every
# 30 s), also while no call is open. gRPC core's own default minimum is 5
# minutes: a client pinging faster on an idle stream (StreamTriggeredAlerts)
# collected strikes and was sent GOAWAY "too_many_pings".
SERVER_OPTIONS = [
    ("grpc.so_reuseport", 1),
    ("grpc.max_concurrent_streams", 1000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.http2.min_ping_interval_without_data_ms", DEFAULT_MIN_CLIENT_PING_INTERVAL_MS),
    ("grpc.keepalive_permit_without_calls", 1),
]


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """SERVER_OPTIONS with the settings' client ping interval."""
    interval = (
        "grpc.http2.min_ping_interval_without_data_ms",
        settings.min_client_ping_interval_ms,
    )
    return [interval if name == interval[0] else (name, v) for name, v in SERVER_OPTIONS]


HEALTH_PROBE_S = 2.0
# Of the grace period, what closing the loops, the pool and Redis may use at
# most (the calls get the rest).
CLOSE_RESERVE_S = 1.0
SEARCH_HEALTH_S = 0.1


class VitrineServer:
    def __init__(
        self,
        settings: Settings,
        *,
        serve_metrics: bool = True,
        search_reindexer: SearchReindexer | None = None,
        tracer_provider: TracerProvider | None = None,
    ):
        self.settings = settings
        # Tracing: this provider (tests), else the OTEL_* environment's, else off.
        self._tracer_provider = tracer_provider
        self._search_reindexer = search_reindexer
        self.port = 0
        # The bound /metrics port when this process serves it (0: it does not).
        self.metrics_port = 0
        self._serve_metrics = serve_metrics
        # Built by start() (wiring.py); None before, or when start() failed.
        self.components: wiring.Components | None = None
        # What start() opened, closed in reverse by stop() (or by a failed start).
        self._stack = contextlib.AsyncExitStack()
        # Reachability as last probed (every HEALTH_PROBE_S), for health and metrics.
        self.postgres_up = False
        self.redis_up = False
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._search_serving: bool | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Admits calls until the server stops, and knows the ones running.
        self.gate = CallGate()
        # Run around every call of every Vitrine service, in order (rpc/handlers.py).
        self.hooks: list[CallHook] = [self.gate]
        self._stopped = False

    # The components (wiring.Components) by the names they had as attributes.

    @property
    def parts(self) -> wiring.Components:
        if self.components is None:
            raise RuntimeError("the server has not started")
        return self.components

    @property
    def db(self) -> Database:
        return self.parts.stores.db

    @property
    def reads(self) -> ReadRouter:
        return self.parts.stores.reads

    @property
    def redis(self) -> aioredis.Redis:
        return self.parts.stores.redis

    @property
    def cache(self) -> CacheAside:
        return self.parts.cache

    @property
    def limiter(self) -> RateLimiter | None:
        return self.parts.limiter

    @property
    def metrics(self) -> ProcessMetrics | None:
        return self.components.metrics if self.components is not None else None

    @property
    def tracing(self) -> Tracing | None:
        return self.parts.tracing

    @property
    def catalog(self) -> CatalogHandlers:
        return self.parts.catalog

    @property
    def alert_delivery(self) -> AlertDelivery:
        return self.parts.alert_delivery

    @property
    def operations(self) -> Operations:
        return self.parts.operations

    @property
    def partitions(self) -> PartitionMaintainer:
        return self.parts.partitions

    @property
    def search(self) -> SearchService:
        return self.parts.search.service

    @property
    def search_engine(self) -> SearchEngine:
        return self.parts.search.engine

    @property
    def search_trending(self) -> Trending:
        return self.parts.search.trending

    @property
    def search_maintenance(self) -> SearchMaintenance:
        return self.parts.search.maintenance

    async def start(self) -> int:
        try:
            return await self._start()
        except BaseException:
            # Whatever started is stopped again, in reverse order: the
            # transport (stop() leaves it to a worker's exit), then the stack.
            if self._server is not None:
                await self._server.stop(0)
            await self._stack.aclose()
            raise

    async def _start(self) -> int:
        s = self.settings
        credentials = tls.server_credentials(s)  # first: a bad file stops the start at once
        c = self.components = await wiring.build(
            s,
            self._stack,
            hooks=self.hooks,
            loops=self._loops,
            reindexer=self._search_reindexer,
            tracer_provider=self._tracer_provider,
        )
        tracer = c.tracing.tracer if c.tracing is not None else None
        server = grpc.aio.server(options=server_options(s))
        for service, handlers in (
            (CATALOG, c.catalog),
            (PRICING, c.pricing),
            (SEARCH, c.search_handlers),
            (ADMIN, c.admin),
        ):
            register_service(server, service, handlers, self.hooks, tracer)
        if c.metrics is not None:
            instrument(
                c.metrics,
                services=SERVICES,
                db=c.stores.db,
                reads=c.stores.reads,
                cache=c.cache,
                limiter=c.limiter,
                postgres_up=lambda: self.postgres_up,
                redis_up=lambda: self.redis_up,
            )
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection(
            (*DATA_SERVICES, ADMIN.full_name, health.SERVICE_NAME, reflection.SERVICE_NAME),
            server,
        )
        address = f"{s.host}:{s.port}"
        if credentials is None:
            self.port = server.add_insecure_port(address)
        else:
            self.port = server.add_secure_port(address, credentials)
        await server.start()
        self._server = server
        await self._start_loops(c)
        log.info(
            "serving",
            extra={
                "port": self.port,
                "services": list(DATA_SERVICES),
                "tls": "mutual" if s.tls_client_ca else "on" if s.tls else "off",
                "metrics_port": self.metrics_port or None,
            },
        )
        return self.port

    async def _start_loops(self, c: wiring.Components) -> None:
        """Once bound: the index, health, and the loops beside the calls (each
        closed by the stack, which wiring.build registered it on)."""
        c.search.engine.start()
        c.search.trending.start()
        if self.settings.search_ready_wait > 0:
            await c.search.engine.wait_ready(self.settings.search_ready_wait)
        self.postgres_up = await c.stores.db.ping()
        self.redis_up = await self._redis_ping()
        await self._set_health(self.postgres_up)
        # Admin reports on the data layer: it serves whatever state that is in.
        await self._health.set(ADMIN.full_name, health_pb2.HealthCheckResponse.SERVING)
        self._tasks.append(asyncio.create_task(self._watch_health(), name="health-probe"))
        self._stack.push_async_callback(self._cancel_tasks)
        c.partitions.start()
        c.alert_delivery.start()
        if c.stores.reads.replicas:
            await c.stores.reads.probe()  # replicas serve from the first call on
            c.stores.reads.start()
        if c.search.indexer is not None:
            c.search.indexer.start()
        if c.metrics is not None:
            self._start_metrics(c.metrics)

    def _start_metrics(self, metrics: ProcessMetrics) -> None:
        s = self.settings
        assert s.metrics_port is not None
        if self._serve_metrics:
            endpoint = MetricsEndpoint(
                metrics.registry, s.metrics_host, s.metrics_port, before_scrape=metrics.refresh
            )
            self._stack.push_async_callback(asyncio.to_thread, endpoint.close)
            self.metrics_port = endpoint.port
        else:
            refresher = Refresher(metrics)
            self._stack.push_async_callback(refresher.close)
            refresher.start()

    async def _cancel_tasks(self) -> None:
        await cancel_and_wait(*self._tasks)

    def _loops(self) -> list[tuple[str, bool]]:
        """The background loops of this process, and whether each still runs."""
        c = self.components
        if c is None:
            return []
        loops: list[Background] = [
            c.listener,
            c.revocations,
            c.cache_stats,
            c.partitions,
            c.alert_delivery,
            *c.search.engine.loops(),
            c.search.trending,
        ]
        if c.stores.reads.replicas:
            loops.append(c.stores.reads)
        tasks = [(b.task_name, b.running) for b in loops]
        return tasks + [(t.get_name(), not t.done()) for t in self._tasks]

    async def _set_health(self, postgres_up: bool) -> None:
        for name in ("", *PG_SERVICES):
            await self._health.set(name, _serving(postgres_up))
        await self._set_search_health()

    async def _set_search_health(self) -> None:
        """SearchService serves from its index: SERVING once the index is
        ready, whatever PostgreSQL does meanwhile."""
        ready = self.search_engine.ready
        if ready != self._search_serving:
            self._search_serving = ready
            await self._health.set(SEARCH.full_name, _serving(ready))

    async def _redis_ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except REDIS_DOWN:
            return False

    async def _watch_health(self) -> None:
        probed = asyncio.get_running_loop().time()
        while True:
            # Search health follows the index at once; the stores every few seconds.
            await asyncio.sleep(SEARCH_HEALTH_S)
            await self._set_search_health()
            if asyncio.get_running_loop().time() - probed < HEALTH_PROBE_S:
                continue
            probed = asyncio.get_running_loop().time()
            now_up = await self.db.ping()
            if now_up != self.postgres_up:
                log.warning("PostgreSQL is %s", "back" if now_up else "unreachable")
                await self._set_health(now_up)
            self.postgres_up = now_up
            self.redis_up = await self._redis_ping()

    async def stop(
        self,
        grace: float | None = None,
        *,
        drain: float | None = None,
        hurry: asyncio.Event | None = None,
        keep_transport: bool = False,
    ) -> None:
        """NOT_SERVING; serve `drain` seconds more (cut short once `hurry` is
        set); then take no new call and give the running ones the rest of
        `grace`; then close everything, all within `grace` of the drain's end.

        `keep_transport` leaves grpcio's server up: a worker process exits
        instead, so the calls arriving to the last are answered (rpc/drain.py).
        """
        if self._stopped:
            return
        self._stopped = True
        grace = self.settings.shutdown_grace if grace is None else grace
        drain = self.settings.shutdown_drain if drain is None else drain
        await self._health.enter_graceful_shutdown()
        if drain > 0:
            log.info("NOT_SERVING; serving while balancers move away", extra={"drain_s": drain})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(drain):
                    await (hurry or asyncio.Event()).wait()
        loop = asyncio.get_running_loop()
        until = loop.time() + grace
        interrupted = await self.gate.close(max(grace - min(CLOSE_RESERVE_S, grace / 4), 0.0))
        log.info(
            "taking no more calls",
            extra={"interrupted": interrupted, "refused": self.gate.refused},
        )
        if self._server is not None and not keep_transport:
            await self._server.stop(max(min(until - loop.time(), 0.5), 0.0))
        # The loops, the pool and Redis, in reverse order of start, waited for
        # until the grace period ends and no longer. Waited from outside (not
        # with asyncio.timeout around it): a close that swallows a cancellation
        # while it awaits its own task would let a timeout run past its bound.
        closing = asyncio.ensure_future(self._stack.aclose())
        try:
            done, _ = await asyncio.wait({closing}, timeout=max(until - loop.time(), 0.05))
            if closing in done:
                closing.result()
            else:
                closing.cancel()
                log.warning("PostgreSQL or Redis did not let go within the grace period: cut off")
        finally:
            if self.components is not None:
                # Whatever is left (a no-op after a clean close).
                self.components.stores.db.pool.terminate()
        log.info("stopped")

    async def wait(self) -> None:
        assert self._server is not None
        await self._server.wait_for_termination()


def _serving(up: bool) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    return (
        health_pb2.HealthCheckResponse.SERVING if up else health_pb2.HealthCheckResponse.NOT_SERVING
    )
