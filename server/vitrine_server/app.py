"""One server process: its resources, its gRPC server, its lifecycle.

Start: connect the pool (lazily) and Redis, build the services, register
them with health and reflection, bind, then mark every service SERVING.
Stop: mark NOT_SERVING first (load balancers stop sending), let in-flight
calls finish within the grace period, then close the pool and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from vitrine.admin.v1 import admin_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2
from vitrine.pricing.v1 import pricing_service_pb2

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
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.pipeline import RedisPipeline
from vitrine_server.cache.stats import CacheStatsFlusher
from vitrine_server.catalog.favorites import FavoriteService
from vitrine_server.catalog.handlers import CatalogHandlers
from vitrine_server.catalog.offers import OfferService
from vitrine_server.catalog.products import ProductService
from vitrine_server.catalog.taxonomy import CategoryService, StoreService
from vitrine_server.catalog.trending import TrendingService
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.pricing.alerts import AlertDelivery, AlertService
from vitrine_server.pricing.drops import DropService
from vitrine_server.pricing.handlers import PricingHandlers
from vitrine_server.pricing.history import HistoryService
from vitrine_server.pricing.ingestion import IngestionService
from vitrine_server.pricing.partitions import PartitionMaintainer
from vitrine_server.rpc import status as _status  # noqa: F401  (registers google.rpc details)
from vitrine_server.rpc.handlers import CallHook, register_service

log = logging.getLogger("vitrine.server")

CATALOG = catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"]
PRICING = pricing_service_pb2.DESCRIPTOR.services_by_name["PricingService"]
ADMIN = admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"]
# Services whose health follows PostgreSQL's reachability.
DATA_SERVICES = (CATALOG.full_name, PRICING.full_name)
# Every service registered with the call hooks (so with access control).
SERVICES = (CATALOG, PRICING, ADMIN)
# The bootstrap admin key `make run` starts with (README): never in production.
DEV_ADMIN_KEY = "vtr_dev_local-development-only"

SERVER_OPTIONS = [
    ("grpc.so_reuseport", 1),
    ("grpc.max_concurrent_streams", 1000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
]
HEALTH_PROBE_S = 2.0


class VitrineServer:
    def __init__(self, settings: Settings, search: SearchReindexer | None = None):
        self.settings = settings
        # The search backend, for AdminService's status and reindex (optional).
        self.search = search
        self.port = 0
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._tasks: list[asyncio.Task[None]] = []
        # Run around every call of every Vitrine service, in order (rpc/handlers.py).
        self.hooks: list[CallHook] = []

    async def start(self) -> int:
        s = self.settings
        self.db = await Database.connect(s)
        self.redis = redis_client.connect(s)
        self.cache = CacheAside(
            self.redis,
            RedisPipeline(s.redis_url, s.redis_timeout),
            Keys(s.redis_prefix),
            self.db,
            enabled=s.cache_enabled,
        )
        await self.cache.start()
        self.listener_redis = redis_client.connect_listener(s)
        self.listener = InvalidationListener(
            self.listener_redis, self.cache.channel, self.cache.local
        )
        self.listener.start()
        keys = Keys(s.redis_prefix)
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

        products = ProductService(self.db, self.cache)
        catalog = CatalogHandlers(
            products=products,
            offers=OfferService(self.db, self.cache),
            categories=CategoryService(self.db, self.cache),
            stores=StoreService(self.db, self.cache),
            favorites=FavoriteService(self.db, self.cache, products),
            trending=TrendingService(self.db, self.cache, products),
        )

        self.catalog = catalog
        server = grpc.aio.server(options=SERVER_OPTIONS)
        register_service(server, CATALOG, catalog, self.hooks)
        self.alert_delivery = AlertDelivery(
            self.db, self.redis, self.listener_redis, Keys(s.redis_prefix)
        )
        pricing = PricingHandlers(
            IngestionService(self.db, self.cache, self.alert_delivery),
            HistoryService(self.db),
            DropService(self.db, products),
            AlertService(self.db, self.alert_delivery),
            self.alert_delivery,
        )
        register_service(server, PRICING, pricing, self.hooks)
        self.operations = Operations(self.db)
        admin = AdminHandlers(
            status=StatusService(s, self.db, self.redis, self.search, self.limiter, self._loops),
            maintenance=Maintenance(self.db, s),
            dbstats=DatabaseStats(self.db),
            explainer=Explainer(self.db),
            cache=CacheAdmin(self.cache, self.redis, self.cache_stats),
            operations=self.operations,
            keys=ApiKeyService(self.db, self.redis, keys, self.authenticator),
            search=self.search,
        )
        register_service(server, ADMIN, admin, self.hooks)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection(
            (*DATA_SERVICES, ADMIN.full_name, health.SERVICE_NAME, reflection.SERVICE_NAME),
            server,
        )
        self.port = server.add_insecure_port(f"{s.host}:{s.port}")
        await server.start()
        self._server = server
        await self._set_health(await self.db.ping())
        # Admin reports on the data layer: it serves whatever state that is in.
        await self._health.set(ADMIN.full_name, health_pb2.HealthCheckResponse.SERVING)
        self._tasks.append(asyncio.create_task(self._watch_health(), name="health-probe"))
        self.partitions = PartitionMaintainer(
            self.db.pool, s.price_retention_months, s.price_retention_drop
        )
        self.partitions.start()
        self.alert_delivery.start()
        log.info(
            "serving",
            extra={"port": self.port, "services": [d.full_name for d in SERVICES]},
        )
        return self.port

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
                Keys(s.redis_prefix),
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
        ]
        tasks = [(b.task_name, b.running) for b in loops]
        return tasks + [(t.get_name(), not t.done()) for t in self._tasks]

    async def _set_health(self, postgres_up: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if postgres_up
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", *DATA_SERVICES):
            await self._health.set(name, status)

    async def _watch_health(self) -> None:
        up = True
        while True:
            await asyncio.sleep(HEALTH_PROBE_S)
            now_up = await self.db.ping()
            if now_up != up:
                log.warning("PostgreSQL is %s", "back" if now_up else "unreachable")
                await self._set_health(now_up)
                up = now_up

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.shutdown_grace if grace is None else grace
        await self._health.enter_graceful_shutdown()
        if self._server is not None:
            await self._server.stop(grace)
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
        await self.cache.close()
        await self.db.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()
            await self.listener_redis.aclose()
        log.info("stopped")

    async def wait(self) -> None:
        assert self._server is not None
        await self._server.wait_for_termination()
