"""The process's components, built by one plain function.

`build` connects PostgreSQL and Redis, builds the caches, access control and
every service's handlers, and returns them all in `Components`. Whatever it
opens it registers on the caller's AsyncExitStack as it goes, so closing the
stack closes everything in reverse order, also when the build stopped half
way (app.py owns the stack and the lifecycle). Background loops that start
only once the server is bound (app.py) close safely without having started.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import asyncpg
import meilisearch
import redis.asyncio as aioredis
from opentelemetry.sdk.trace import TracerProvider

from vitrine_server.access.authenticator import Authenticator
from vitrine_server.access.hook import AccessControl
from vitrine_server.access.ratelimit import RateLimiter
from vitrine_server.access.service import ApiKeyService
from vitrine_server.admin.cache_admin import CacheAdmin
from vitrine_server.admin.dbstats import DatabaseStats
from vitrine_server.admin.explain import Explainer
from vitrine_server.admin.handlers import AdminHandlers
from vitrine_server.admin.maintenance import Maintenance
from vitrine_server.admin.operations import Operations
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.admin.status import StatusService
from vitrine_server.cache import redis as redis_client
from vitrine_server.cache.aside import CacheAside
from vitrine_server.cache.invalidations import InvalidationListener
from vitrine_server.cache.keys import Keys, keys_for
from vitrine_server.cache.pipeline import open_pipeline
from vitrine_server.cache.stats import CacheStatsFlusher
from vitrine_server.catalog.favorites import FavoriteService
from vitrine_server.catalog.handlers import CatalogHandlers
from vitrine_server.catalog.service import (
    CategoryService,
    OfferService,
    ProductService,
    StoreService,
)
from vitrine_server.catalog.trending import TrendingService
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import ReadRouter
from vitrine_server.metrics.process import ProcessMetrics
from vitrine_server.pricing.alerts import BLOCK_MS, AlertDelivery, AlertService
from vitrine_server.pricing.drops import DropService
from vitrine_server.pricing.handlers import PricingHandlers
from vitrine_server.pricing.history import HistoryService
from vitrine_server.pricing.partitions import PartitionMaintainer
from vitrine_server.pricing.service import IngestionService
from vitrine_server.rpc import paging_secret
from vitrine_server.rpc.consistency import ConsistencyTokens
from vitrine_server.rpc.handlers import CallHook
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

# The bootstrap admin key `make run` starts with (docs/operations.md): never in production.
DEV_ADMIN_KEY = "vtr_dev_local-development-only"

Loops = Callable[[], Iterable[tuple[str, bool]]]


@dataclass(slots=True)
class Stores:
    """PostgreSQL and Redis, as this process reaches them."""

    db: Database
    reads: ReadRouter
    redis: aioredis.Redis
    # Blocking reads (pub/sub, streams) get connections of their own.
    listener_redis: aioredis.Redis
    stream_redis: aioredis.Redis
    keys: Keys


@dataclass(slots=True)
class Search:
    service: SearchService
    engine: SearchEngine
    trending: Trending
    indexer: MeiliIndexer | None
    maintenance: SearchMaintenance


@dataclass(slots=True)
class Components:
    settings: Settings
    tracing: Tracing | None
    metrics: ProcessMetrics | None
    stores: Stores
    cache: CacheAside
    listener: InvalidationListener
    revocations: InvalidationListener
    cache_stats: CacheStatsFlusher
    limiter: RateLimiter | None
    alert_delivery: AlertDelivery
    search: Search
    # What AdminService reindexes and reports on (search's maintenance side,
    # unless a test put another in its place).
    reindexer: SearchReindexer
    operations: Operations
    partitions: PartitionMaintainer
    catalog: CatalogHandlers
    pricing: PricingHandlers
    search_handlers: SearchHandlers
    admin: AdminHandlers
    # Run around every call of every Vitrine service, in order (rpc/handlers.py).
    hooks: list[CallHook] = field(default_factory=list)


async def build(
    settings: Settings,
    stack: contextlib.AsyncExitStack,
    *,
    hooks: list[CallHook],
    loops: Loops,
    reindexer: SearchReindexer | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Components:
    """Every component of a server process, each registered on `stack` to be
    closed; `hooks` (the server's own, first) gets the call hooks appended.
    `loops` reports the process's background loops (AdminService.GetStatus)."""
    s = settings
    provider = tracer_provider or provider_from_env()
    tracing = Tracing(provider) if provider is not None else None
    if tracing is not None:
        stack.push_async_callback(tracing.close)
    metrics = ProcessMetrics() if s.metrics_port is not None else None
    if metrics is not None:
        hooks.append(metrics.rpc)
    stores = await _connect(s, stack, tracing)
    if s.replica_urls:
        # Tokens in and out of every call (db/consistency.py).
        hooks.append(ConsistencyTokens())
    db, keys = stores.db, stores.keys
    tracer = tracing.tracer if tracing is not None else None
    cache = CacheAside(
        stores.redis,
        open_pipeline(s, tracer),
        keys,
        db,
        enabled=s.cache_enabled,
        clustered=s.redis_cluster,
    )
    stack.push_async_callback(cache.close)
    await cache.start()
    listener = InvalidationListener(stores.listener_redis, cache.channel, cache.local)
    stack.push_async_callback(listener.close)
    listener.start()
    cache_stats = CacheStatsFlusher(cache.counters, stores.redis, keys.cache_stats())
    stack.push_async_callback(cache_stats.close)
    cache_stats.start()

    authenticator = Authenticator(db, ttl=s.auth_cache_ttl, bootstrap_key=s.bootstrap_admin_key)
    # Revoked keys are announced like cache invalidations.
    revocations = InvalidationListener(stores.listener_redis, keys.revoked_keys(), authenticator)
    revocations.task_name = "key-revocations"
    stack.push_async_callback(revocations.close)
    revocations.start()
    limiter = _access_control(s, cache, authenticator, hooks)

    # Every instance and worker signs page tokens with the same secret.
    tokens = PageTokens(functools.partial(paging_secret.load, s, db))
    products = ProductService(db, cache, stores.reads)
    catalog = CatalogHandlers(
        products=products,
        offers=OfferService(db, cache, stores.reads),
        categories=CategoryService(db, cache),
        stores=StoreService(db, cache),
        favorites=FavoriteService(db, cache, products),
        trending=TrendingService(db, cache, products),
        tokens=tokens,
    )
    alert_delivery = AlertDelivery(db, stores.redis, stores.stream_redis, keys)
    stack.push_async_callback(alert_delivery.close)
    pricing = PricingHandlers(
        IngestionService(db, cache, alert_delivery),
        HistoryService(stores.reads),
        DropService(db, products, stores.reads),
        AlertService(db, alert_delivery),
        alert_delivery,
        tokens,
    )
    search = _search(s, stores, stack)
    reindexer = reindexer or search.maintenance
    operations = Operations(db)
    stack.push_async_callback(operations.close)
    admin = AdminHandlers(
        status=StatusService(s, db, stores.redis, reindexer, limiter, loops, stores.reads),
        maintenance=Maintenance(db, s),
        dbstats=DatabaseStats(db),
        explainer=Explainer(db),
        cache=CacheAdmin(cache, stores.redis, cache_stats),
        operations=operations,
        keys=ApiKeyService(db, stores.redis, keys, authenticator),
        search=reindexer,
        tokens=tokens,
    )
    partitions = PartitionMaintainer(db.pool, s.price_retention_months, s.price_retention_drop)
    stack.push_async_callback(partitions.close)
    return Components(
        settings=s,
        tracing=tracing,
        metrics=metrics,
        stores=stores,
        cache=cache,
        listener=listener,
        revocations=revocations,
        cache_stats=cache_stats,
        limiter=limiter,
        alert_delivery=alert_delivery,
        search=search,
        reindexer=reindexer,
        operations=operations,
        partitions=partitions,
        catalog=catalog,
        pricing=pricing,
        search_handlers=SearchHandlers(search.service, search.service.settings),
        admin=admin,
        hooks=hooks,
    )


async def _connect(
    s: Settings, stack: contextlib.AsyncExitStack, tracing: Tracing | None
) -> Stores:
    """PostgreSQL (primary and replicas) and Redis, traced when tracing is on."""
    connection_class: type[asyncpg.Connection] = asyncpg.Connection
    redis_class: type[aioredis.Redis] | None = None
    if tracing is not None:
        connection_class = tracing_postgres.connection_class(tracing.tracer)
        redis_class = tracing_redis.client_class(tracing.tracer)
    db = await Database.connect(s, connection_class)
    stack.push_async_callback(db.close)
    reads = await ReadRouter.connect(db, s, connection_class)
    stack.push_async_callback(reads.close)
    redis = redis_client.connect(s, redis_class)
    listener_redis = redis_client.connect_listener(s)
    stream_redis = redis_client.connect_blocking(s, BLOCK_MS / 1000)
    for client in (redis, listener_redis, stream_redis):
        stack.push_async_callback(_close_quietly, client)
    return Stores(
        db, reads, redis, listener_redis, stream_redis, keys_for(s.redis_prefix, s.redis_cluster)
    )


async def _close_quietly(client: aioredis.Redis) -> None:
    with contextlib.suppress(Exception):  # Redis may be gone: nothing to hand back then
        await client.aclose()


def _access_control(
    s: Settings, cache: CacheAside, authenticator: Authenticator, hooks: list[CallHook]
) -> RateLimiter | None:
    """The access hook (API keys, rate limits), unless VITRINE_AUTH=off."""
    if not s.auth_enabled:
        log.warning(
            "VITRINE_AUTH=off: EVERY CALL IS ALLOWED WITHOUT AN API KEY, and nothing is "
            "rate limited. For local development only."
        )
        return None
    if s.bootstrap_admin_key == DEV_ADMIN_KEY:
        log.warning(
            "the bootstrap admin key is the well-known development key (make run): "
            "anyone can be admin. Set VITRINE_BOOTSTRAP_ADMIN_KEY to a secret outside "
            "local development."
        )
    elif not s.bootstrap_admin_key:
        log.info("no VITRINE_BOOTSTRAP_ADMIN_KEY: only API keys stored in PostgreSQL work")
    limiter = None
    if s.rate_limit_per_minute > 0:
        limiter = RateLimiter(
            cache.pipe,
            cache.keys,
            requests_per_minute=s.rate_limit_per_minute,
            burst=s.rate_limit_burst,
        )
    hooks.append(AccessControl(authenticator, limiter))
    return limiter


def _search(s: Settings, stores: Stores, stack: contextlib.AsyncExitStack) -> Search:
    """The embedded index always (it answers when MeiliSearch cannot);
    MeiliSearch and its outbox indexer when MEILI_URL is set."""
    settings = SettingsStore(stores.db)
    # Full builds read the catalog from a replica when one is healthy.
    engine = SearchEngine(s, stores.db, stores.reads.for_bulk_read)
    stack.push_async_callback(engine.close)
    trending = Trending(stores.redis, stores.keys)
    stack.push_async_callback(trending.close)
    embedded = EmbeddedSearch(engine, settings, trending)
    indexer: MeiliIndexer | None = None
    external = None
    if s.meili_url:
        # The client's own timeout bounds the worker threads of calls the
        # service stopped waiting for.
        client = meilisearch.Client(
            s.meili_url, s.meili_api_key or None, timeout=max(2, int(s.meili_timeout * 4))
        )
        external = MeiliSearch(client, s.meili_index, stores.db)
        indexer = MeiliIndexer(stores.db, client, s.meili_index, settings, s.database_url)
        stack.push_async_callback(indexer.close)
    service = SearchService(embedded, settings, external, timeout=s.meili_timeout)
    return Search(service, engine, trending, indexer, SearchMaintenance(engine, indexer))
