"""What /metrics shows beside the RPCs, wired to the components it reads:
read at refresh, never per call."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from google.protobuf.descriptor import ServiceDescriptor

from vitrine_server.access.ratelimit import RateLimiter
from vitrine_server.cache.aside import CacheAside
from vitrine_server.db.database import Database
from vitrine_server.db.replicas import ReadRouter
from vitrine_server.metrics.process import ProcessMetrics


def instrument(
    metrics: ProcessMetrics,
    *,
    services: Iterable[ServiceDescriptor],
    db: Database,
    reads: ReadRouter,
    cache: CacheAside,
    limiter: RateLimiter | None,
    postgres_up: Callable[[], bool],
    redis_up: Callable[[], bool],
) -> None:
    """Declare every service's RPCs and the gauges and counts of the pool,
    reachability (`postgres_up`, `redis_up`: as last probed), the cache,
    replicas and the rate limiter."""
    for service in services:
        metrics.rpc.declare(service)
    _pool(metrics, db)
    metrics.gauge(
        "vitrine_postgres_up",
        "1 if PostgreSQL answered the last probe (every 2 s).",
        lambda: float(postgres_up()),
        mode="livemin",
    )
    metrics.gauge(
        "vitrine_redis_up",
        "1 if Redis answered the last probe (every 2 s).",
        lambda: float(redis_up()),
        mode="livemin",
    )
    _cache(metrics, cache)
    _replicas(metrics, reads)
    if limiter is not None:
        _rate_limits(metrics, limiter)


def _pool(metrics: ProcessMetrics, db: Database) -> None:
    pool = db.pool
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


def _cache(metrics: ProcessMetrics, cache: CacheAside) -> None:
    metrics.gauge(
        "vitrine_cache_trusted",
        "1 while reads may use the Redis cache (reachable and reconciled).",
        lambda: float(cache.enabled and cache.trusted),
        mode="livemin",
    )
    counters = cache.counters
    metrics.export_counts(
        "vitrine_cache_events",
        "Cache reads and fills by cache and outcome (e.g. product:hit, product:miss).",
        "event",
        lambda: {
            f"{name}:{what}": n
            for name, counts in counters.snapshot().items()
            for what, n in counts.items()
        },
    )


def _rate_limits(metrics: ProcessMetrics, limiter: RateLimiter) -> None:
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


def _replicas(metrics: ProcessMetrics, reads: ReadRouter) -> None:
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
