"""What the admin services take and give, independent of protobuf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SlowQueryFilter:
    limit: int
    min_calls: int
    # "total", "mean" or "calls" (dbstats.sql, slow_queries).
    order: str


@dataclass(frozen=True, slots=True)
class Retention:
    """MaintainPartitions' request: None means the server's setting."""

    months: int | None
    drop: bool | None


@dataclass(frozen=True, slots=True)
class EntityInvalidation:
    # "product", "category" or "store".
    entity: str
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PrefixInvalidation:
    # Checked: no glob characters, one of the cache's own namespaces.
    prefix: str


@dataclass(frozen=True, slots=True)
class NamedStatement:
    """A statement of the server's .sql files, as ListStatements names it."""

    name: str
    description: str
    sql: str


@dataclass(frozen=True, slots=True)
class ExplainRequest:
    statement: str
    parameters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explained:
    statement: str
    parameter_types: list[str]
    plan: list[str]


@dataclass(frozen=True, slots=True)
class DatabaseOverview:
    """GetDatabaseStats' rows, as dbstats.sql reads them."""

    overview: Any
    connections: list[Any]
    tables: list[Any]
    indexes: list[Any]
    partitions: list[Any]


@dataclass(frozen=True, slots=True)
class CacheStats:
    used_memory_bytes: int
    max_memory_bytes: int
    keys: int
    service_keys: int
    evicted_keys: int
    # Per cache, its counters (cache/stats.py COUNTERS) by name.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One thing the process depends on, as GetStatus probed it."""

    name: str
    configured: bool = True
    reachable: bool = False
    # Seconds the probe took; None when nothing was probed.
    latency: float | None = None
    version: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PoolState:
    size: int
    idle: int
    min_size: int
    max_size: int


@dataclass(frozen=True, slots=True)
class Status:
    build_version: str
    uptime: float
    start_time: dt.datetime
    dependencies: list[Dependency]
    schema_version: int
    pending_migrations: int
    pool: PoolState
    workers: int
    pid: int
    background_tasks: list[tuple[str, bool]]
    auth_enabled: bool
    rate_limit_fail_open_total: int
