"""One server process: its resources, its gRPC server, its lifecycle.

Start: connect the pool (lazily) and Redis, build the services, register
them with health and reflection, bind (TLS when configured), then mark every
service SERVING. Stop: mark NOT_SERVING first, keep serving for the drain
period (balancers and clients watching health move away), then take no new
call and let the running ones finish within the grace period, ending those
that cannot with UNAVAILABLE (rpc/drain.py), then close the loops, the pool
and Redis. Everything after the drain period ends within the grace period,
whatever PostgreSQL and Redis do.

Metrics (metrics/): when `metrics_port` is set, a call hook records every
call, and this process serves /metrics itself, or, as a worker under the
multi-worker supervisor (`serve_metrics=False`), leaves that to the
supervisor, which adds up every worker's values.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

import grpc
import meilisearch
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.sdk.trace import TracerProvider
from vitrine.admin.v1 import admin_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2
from vitrine.pricing.v1 import pricing_service_pb2
from vitrine.search.v1 import search_service_pb2

from vitrine_server import tls
from vitrine_server.access.apikeys import ApiKeyService
from vitrine_server.access.authenticator import Authenticator
from vitrine_server.access.hook import AccessControl
from vitrine_server.access.ratelimit import RateLimiter
from vitrine_server.admin.cache_admin import CacheAdmin
from vitrine_server.admin.dbstats import DatabaseStats
from vitrine_server.admin.explain import Explainer
from vitrine_server.admin.handlers import AdminHandlers
from vitrine_server.admin.maintenance import Maintenance
from vitrine_server.admin.operations import Operations
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.admin.status import StatusService
from vitrine_server.background import Background
from vitrine_server.cache import redis as redis_client
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.invalidations import InvalidationListener
from vitrine_server.cache.keys import keys_for
from vitrine_server.cache.pipeline import open_pipeline
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.cache.stats import CacheStatsFlusher
from vitrine_server.catalog.favorites import FavoriteService
from vitrine_server.catalog.handlers import CatalogHandlers
from vitrine_server.catalog.offers import OfferService
from vitrine_server.catalog.products import ProductService
from vitrine_server.catalog.service import CategoryService, StoreService
from vitrine_server.catalog.trending import TrendingService
from vitrine_server.config import DEFAULT_MIN_CLIENT_PING_INTERVAL_MS, Settings
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import ReadRouter
from vitrine_server.metrics.endpoint import MetricsEndpoint
from vitrine_server.metrics.process import ProcessMetrics, Refresher
from vitrine_server.pricing.alerts import BLOCK_MS, AlertDelivery, AlertService
from vitrine_server.pricing.drops import DropService
from vitrine_server.pricing.handlers import PricingHandlers
from vitrine_server.pricing.history import HistoryService
from vitrine_server.pricing.ingestion import IngestionService
from vitrine_server.pricing.partitions import PartitionMaintainer
from vitrine_server.rpc import paging_secret
from vitrine_server.rpc import status as _status  # noqa: F401  (registers google.rpc details)
from vitrine_server.rpc.consistency import ConsistencyTokens
from vitrine_server.rpc.drain import CallGate
from vitrine_server.rpc.handlers import CallHook, register_service
from vitrine_server.rpc.paging import PageTokens
from vitrine_server.search.engine import SearchEngine
from vitrine_server.search.engine.searcher import EmbeddedSearch
from vitrine_server.search.engine.trending import Trending
from vitrine_server.search.handlers import SearchHandlers
from vitrine_server.search.maintenance import SearchMaintenance
from vitrine_server.search.meili.backend import MeiliSearch
from vitrine_server.search.meili.indexer import MeiliIndexer
from vitrine_server.search.service import SearchService
from vitrine_server.search.settings import SettingsStore
from vitrine_server.tracing import Tracing, provider_from_env
from vitrine_server.tracing import postgres as tracing_postgres
from vitrine_server.tracing import redis as tracing_redis

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
# The bootstrap admin key `make run` starts with (README): never in production.
DEV_ADMIN_KEY = "vtr_dev_local-development-only"

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
        self.metrics: ProcessMetrics | None = None
        self._metrics_endpoint: MetricsEndpoint | None = None
        self._metrics_refresher: Refresher | None = None
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

    async def start(self) -> int:
        s = self.settings
        credentials = tls.server_credentials(s)  # first: a bad file stops the start at once
        provider = self._tracer_provider or provider_from_env()
        self.tracing = Tracing(provider) if provider is not None else None
        tracer = self.tracing.tracer if self.tracing is not None else None
        if s.metrics_port is not None:
            self.metrics = ProcessMetrics()
            self.hooks.append(self.metrics.rpc)
        if tracer is None:
            self.db = await Database.connect(s)
            self.reads = await ReadRouter.connect(self.db, s)
            self.redis = redis_client.connect(s)
        else:
            connection_class = tracing_postgres.connection_class(tracer)
            self.db = await Database.connect(s, connection_class)
            self.reads = await ReadRouter.connect(self.db, s, connection_class)
            self.redis = redis_client.connect(s, tracing_redis.client_class(tracer))
        if s.replica_urls:
            # Tokens in and out of every call (db/consistency.py).
            self.hooks.append(ConsistencyTokens())
        keys = keys_for(s.redis_prefix, s.redis_cluster)
        self.cache = CacheAside(
            self.redis,
            open_pipeline(s, tracer),
            keys,
            self.db,
            enabled=s.cache_enabled,
            clustered=s.redis_cluster,
        )
        await self.cache.start()
        self.listener_redis = redis_client.connect_listener(s)
        self.listener = InvalidationListener(
            self.listener_redis, self.cache.channel, self.cache.local
        )
        self.listener.start()
        self.cache_stats = CacheStatsFlusher(self.cache.counters, self.redis, keys.cache_stats())
        self.cache_stats.start()

        self.authenticator = Authenticator(
            self.db, ttl=s.auth_cache_ttl, bootstrap_key=s.bootstrap_admin_key
        )
        # Revoked keys are announced like cache invalidations.
        self.revocations = InvalidationListener(
            self.listener_redis, keys.revoked_keys(), self.authenticator
        )
        self.revocations.task_name = "key-revocations"
        self.revocations.start()
        self.limiter: RateLimiter | None = None
        self._install_access_control()

        # Every instance and worker signs page tokens with the same secret.
        tokens = PageTokens(functools.partial(paging_secret.load, s, self.db))
        products = ProductService(self.db, self.cache, self.reads)
        catalog = CatalogHandlers(
            products=products,
            offers=OfferService(self.db, self.cache, tokens, self.reads),
            categories=CategoryService(self.db, self.cache),
            stores=StoreService(self.db, self.cache),
            favorites=FavoriteService(self.db, self.cache, products, tokens),
            trending=TrendingService(self.db, self.cache, products),
            tokens=tokens,
        )

        self.catalog = catalog
        server = grpc.aio.server(options=server_options(s))
        register_service(server, CATALOG, catalog, self.hooks, tracer)
        self.stream_redis = redis_client.connect_blocking(s, BLOCK_MS / 1000)
        self.alert_delivery = AlertDelivery(self.db, self.redis, self.stream_redis, keys)
        pricing = PricingHandlers(
            IngestionService(self.db, self.cache, self.alert_delivery),
            HistoryService(self.reads),
            DropService(self.db, products, tokens, self.reads),
            AlertService(self.db, self.alert_delivery, tokens),
            self.alert_delivery,
        )
        register_service(server, PRICING, pricing, self.hooks, tracer)
        self.search, self.search_maintenance = self._build_search()
        register_service(
            server, SEARCH, SearchHandlers(self.search, self.search.settings), self.hooks, tracer
        )
        # AdminService reindexes and reports on search through its maintenance
        # side (a test may put another in its place).
        self.reindexer = self._search_reindexer or self.search_maintenance
        self.operations = Operations(self.db)
        admin = AdminHandlers(
            status=StatusService(
                s, self.db, self.redis, self.reindexer, self.limiter, self._loops, self.reads
            ),
            maintenance=Maintenance(self.db, s),
            dbstats=DatabaseStats(self.db),
            explainer=Explainer(self.db),
            cache=CacheAdmin(self.cache, self.redis, self.cache_stats),
            operations=self.operations,
            keys=ApiKeyService(self.db, self.redis, keys, self.authenticator, tokens),
            search=self.reindexer,
        )
        register_service(server, ADMIN, admin, self.hooks, tracer)
        if self.metrics is not None:
            self._instrument(self.metrics)
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
        self.search_engine.start()
        self.search_trending.start()
        if s.search_ready_wait > 0:
            await self.search_engine.wait_ready(s.search_ready_wait)
        self.postgres_up = await self.db.ping()
        self.redis_up = await self._redis_ping()
        await self._set_health(self.postgres_up)
        # Admin reports on the data layer: it serves whatever state that is in.
        await self._health.set(ADMIN.full_name, health_pb2.HealthCheckResponse.SERVING)
        self._tasks.append(asyncio.create_task(self._watch_health(), name="health-probe"))
        self.partitions = PartitionMaintainer(
            self.db.pool, s.price_retention_months, s.price_retention_drop
        )
        self.partitions.start()
        self.alert_delivery.start()
        if self.reads.replicas:
            await self.reads.probe()  # replicas serve from the first call on
            self.reads.start()
        if self.search_indexer is not None:
            self.search_indexer.start()
        if self.metrics is not None:
            self._start_metrics(self.metrics)
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

    def _instrument(self, metrics: ProcessMetrics) -> None:
        """What /metrics shows beside the RPCs: read at refresh, never per call."""
        for service in SERVICES:
            metrics.rpc.declare(service)
        pool = self.db.pool
        metrics.gauge("vitrine_pg_pool_connections", "Open PostgreSQL connections.", pool.get_size)
        metrics.gauge(
            "vitrine_pg_pool_idle", "Open PostgreSQL connections not in use.", pool.get_idle_size
        )
        metrics.gauge(
            "vitrine_pg_pool_in_use",
            "PostgreSQL connections running a query or transaction.",
            lambda: pool.get_size() - pool.get_idle_size(),
        )
        metrics.gauge(
            "vitrine_pg_pool_max", "Most PostgreSQL connections the pool opens.", pool.get_max_size
        )
        metrics.gauge(
            "vitrine_postgres_up",
            "1 if PostgreSQL answered the last probe (every 2 s).",
            lambda: float(self.postgres_up),
            mode="livemin",
        )
        metrics.gauge(
            "vitrine_redis_up",
            "1 if Redis answered the last probe (every 2 s).",
            lambda: float(self.redis_up),
            mode="livemin",
        )
        metrics.gauge(
            "vitrine_cache_trusted",
            "1 while reads may use the Redis cache (reachable and reconciled).",
            lambda: float(self.cache.enabled and self.cache.trusted),
            mode="livemin",
        )
        counters = self.cache.counters
        metrics.export_counts(
            "vitrine_cache_events",
            "Cache reads and fills by cache and outcome (e.g. product:hit, product:miss).",
            "event",
            lambda: {
                f"{cache}:{what}": n
                for cache, counts in counters.snapshot().items()
                for what, n in counts.items()
            },
        )
        self._instrument_replicas(metrics)
        limiter = self.limiter
        if limiter is not None:
            metrics.export_counts(
                "vitrine_rate_limit_events",
                "Rate-limit decisions: limited (refused), redis_asks, and while Redis is "
                "down fail_open (reads let through) and local_fallback (writes limited in "
                "process).",
                "event",
                lambda: {
                    "limited": limiter.limited_total,
                    "redis_asks": limiter.redis_asks_total,
                    "fail_open": limiter.fail_open_total,
                    "local_fallback": limiter.local_fallback_total,
                },
            )

    def _instrument_replicas(self, metrics: ProcessMetrics) -> None:
        reads = self.reads
        if not reads.replicas:
            return
        metrics.labelled_gauge(
            "vitrine_replica_lag_seconds",
            "Replay lag of each PostgreSQL replica (VITRINE_REPLICA_URLS, in order: "
            "replica-0, ...) as last probed, every 0.5 s.",
            "replica",
            lambda: {r.name: r.lag for r in reads.replicas},
            mode="livemax",
        )
        metrics.labelled_gauge(
            "vitrine_replica_up",
            "1 if the replica answered the last probe and lags within "
            "VITRINE_REPLICA_MAX_LAG (reads go to it).",
            "replica",
            lambda: {r.name: float(r.up and r.lag <= reads.max_lag) for r in reads.replicas},
            mode="livemin",
        )
        metrics.export_counts(
            "vitrine_replica_reads",
            "Where reads that may lag went: replica; primary_no_replica (none usable); "
            "primary_token_timeout (no replica replayed the caller's token within "
            "VITRINE_REPLICA_WAIT); primary_required (cache fills); token_waits (reads "
            "that waited for a replica to replay their token).",
            "target",
            reads.counts.snapshot,
        )

    def _start_metrics(self, metrics: ProcessMetrics) -> None:
        s = self.settings
        assert s.metrics_port is not None
        if self._serve_metrics:
            self._metrics_endpoint = MetricsEndpoint(
                metrics.registry, s.metrics_host, s.metrics_port, before_scrape=metrics.refresh
            )
            self.metrics_port = self._metrics_endpoint.port
        else:
            self._metrics_refresher = Refresher(metrics)
            self._metrics_refresher.start()

    def _build_search(self) -> tuple[SearchService, SearchMaintenance]:
        """The embedded index always (it answers when MeiliSearch cannot);
        MeiliSearch and its outbox indexer when MEILI_URL is set."""
        s = self.settings
        settings = SettingsStore(self.db)
        self.search_engine = SearchEngine(s, self.db)
        self.search_trending = Trending(self.redis, self.cache.keys)
        embedded = EmbeddedSearch(self.search_engine, settings, self.search_trending)
        self.search_indexer: MeiliIndexer | None = None
        external = None
        if s.meili_url:
            # The client's own timeout bounds the worker threads of calls the
            # service stopped waiting for.
            client = meilisearch.Client(
                s.meili_url, s.meili_api_key or None, timeout=max(2, int(s.meili_timeout * 4))
            )
            external = MeiliSearch(client, s.meili_index, self.db)
            self.search_indexer = MeiliIndexer(
                self.db, client, s.meili_index, settings, s.database_url
            )
        service = SearchService(embedded, settings, external, timeout=s.meili_timeout)
        return service, SearchMaintenance(self.search_engine, self.search_indexer)

    def _install_access_control(self) -> None:
        s = self.settings
        if not s.auth_enabled:
            log.warning(
                "VITRINE_AUTH=off: EVERY CALL IS ALLOWED WITHOUT AN API KEY, and nothing is "
                "rate limited. For local development only."
            )
            return
        if s.bootstrap_admin_key == DEV_ADMIN_KEY:
            log.warning(
                "the bootstrap admin key is the well-known development key (make run): "
                "anyone can be admin. Set VITRINE_BOOTSTRAP_ADMIN_KEY to a secret outside "
                "local development."
            )
        elif not s.bootstrap_admin_key:
            log.info("no VITRINE_BOOTSTRAP_ADMIN_KEY: only API keys stored in PostgreSQL work")
        if s.rate_limit_per_minute > 0:
            self.limiter = RateLimiter(
                self.cache.pipe,
                self.cache.keys,
                requests_per_minute=s.rate_limit_per_minute,
                burst=s.rate_limit_burst,
            )
        self.hooks.append(AccessControl(self.authenticator, self.limiter))

    def _loops(self) -> list[tuple[str, bool]]:
        """The background loops of this process, and whether each still runs."""
        loops: list[Background] = [
            self.listener,
            self.revocations,
            self.cache_stats,
            self.partitions,
            self.alert_delivery,
            *self.search_engine.loops(),
            self.search_trending,
        ]
        if self.reads.replicas:
            loops.append(self.reads)
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
        try:
            async with asyncio.timeout(max(until - loop.time(), 0.05)):
                await self._close()
        except TimeoutError:
            log.warning("PostgreSQL or Redis did not let go within the grace period: cut off")
        finally:
            self.db.pool.terminate()  # whatever is left (a no-op after a clean close)
        log.info("stopped")

    async def _close(self) -> None:
        """The loops, the pool and Redis, in reverse order of start."""
        if self._metrics_refresher is not None:
            await self._metrics_refresher.close()
        if self._metrics_endpoint is not None:
            await asyncio.to_thread(self._metrics_endpoint.close)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.operations.close()
        await self.listener.close()
        await self.revocations.close()
        await self.cache_stats.close()
        await self.partitions.close()
        await self.alert_delivery.close()
        if self.search_indexer is not None:
            await self.search_indexer.close()
        await self.search_engine.close()
        await self.search_trending.close()
        await self.cache.close()
        await self.reads.close()
        await self.db.close()
        for client in (self.redis, self.listener_redis, self.stream_redis):
            with contextlib.suppress(Exception):
                await client.aclose()
        if self.tracing is not None:
            await self.tracing.close()

    async def wait(self) -> None:
        assert self._server is not None
        await self._server.wait_for_termination()


def _serving(up: bool) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    return (
        health_pb2.HealthCheckResponse.SERVING if up else health_pb2.HealthCheckResponse.NOT_SERVING
    )
