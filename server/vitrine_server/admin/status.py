"""GetStatus: the answering process's view of everything it depends on.

Each dependency is probed concurrently within PROBE_S; one that does not
answer is reported unreachable (with why), never turned into an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import os
import time
from collections.abc import Callable, Iterable

import redis.asyncio as aioredis

from vitrine_server.access.ratelimit import RateLimiter
from vitrine_server.admin import store
from vitrine_server.admin.model import Dependency, PoolState, Status
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.db.migrate import discover
from vitrine_server.db.replicas import ReadRouter

PROBE_S = 1.0


def _version() -> str:
    try:
        return importlib.metadata.version("vitrine-server")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class StatusService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        redis: aioredis.Redis,
        search: SearchReindexer | None,
        limiter: RateLimiter | None,
        tasks: Callable[[], Iterable[tuple[str, bool]]],
        reads: ReadRouter | None = None,
    ):
        self.settings = settings
        self.db = db
        self.redis = redis
        self.search = search
        self.limiter = limiter
        self.tasks = tasks
        self.reads = reads
        self.known_migrations = {m.version for m in discover()}
        self.started_mono = time.monotonic()
        self.started_wall = dt.datetime.now(dt.UTC)
        self.build_version = _version()

    async def status(self) -> Status:
        (pg, applied), redis, search = await asyncio.gather(
            self._postgres(), self._redis(), self._search()
        )
        pool = self.db.pool
        return Status(
            build_version=self.build_version,
            uptime=time.monotonic() - self.started_mono,
            start_time=self.started_wall,
            dependencies=[pg, redis, search, *self._replicas()],
            schema_version=max(applied, default=0),
            pending_migrations=len(self.known_migrations - applied) if pg.reachable else 0,
            pool=PoolState(
                size=pool.get_size(),
                idle=pool.get_idle_size(),
                min_size=pool.get_min_size(),
                max_size=pool.get_max_size(),
            ),
            workers=self.settings.workers,
            pid=os.getpid(),
            background_tasks=list(self.tasks()),
            auth_enabled=self.settings.auth_enabled,
            rate_limit_fail_open_total=self.limiter.fail_open_total if self.limiter else 0,
        )

    async def _postgres(self) -> tuple[Dependency, set[int]]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PROBE_S):
                async with self.db.acquire(PROBE_S) as conn:
                    version = await store.server_version(conn)
                    latency = time.perf_counter() - started
                    applied = await store.applied_migrations(conn)
        except Exception as err:
            return self._down("postgresql", started, err), set()
        return Dependency("postgresql", reachable=True, latency=latency, version=version), applied

    def _replicas(self) -> list[Dependency]:
        """Each PostgreSQL replica as the router last probed it (every 0.5 s):
        one that is down or lags past VITRINE_REPLICA_MAX_LAG is skipped, and
        says so here, but fails no call."""
        if self.reads is None:
            return []
        return [
            Dependency("postgresql-replica", reachable=r.up, detail=f"{r.name}: {r.detail}")
            for r in self.reads.replicas
        ]

    async def _redis(self) -> Dependency:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PROBE_S):
                await self.redis.ping()
                latency = time.perf_counter() - started
                info = await self.redis.info("server")
        except Exception as err:
            return self._down("redis", started, err)
        return Dependency(
            "redis", reachable=True, latency=latency, version=str(info.get("redis_version", ""))
        )

    async def _search(self) -> Dependency:
        if self.search is None:
            return Dependency("search", configured=False, detail="no search backend configured")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PROBE_S):
                h = await self.search.health()
        except Exception as err:
            return self._down("search", started, err)
        return Dependency(
            "search",
            reachable=h.reachable,
            latency=h.latency,
            version=h.version,
            detail=f"{h.backend}: {h.detail}" if h.detail else h.backend,
        )

    @staticmethod
    def _down(name: str, started: float, err: BaseException) -> Dependency:
        if isinstance(err, TimeoutError):
            why = f"no answer within {PROBE_S:.0f}s"
        else:
            why = type(err).__name__
        return Dependency(name, reachable=False, latency=time.perf_counter() - started, detail=why)
