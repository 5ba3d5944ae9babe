"""The admin services' answers (model.py values, dbstats and operations
rows) as AdminService's protobuf."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf import any_pb2, message
from vitrine.admin.v1 import admin_service_pb2 as api
from vitrine.admin.v1 import operation_pb2

from vitrine_server.admin.model import (
    CacheStats,
    DatabaseOverview,
    Dependency,
    Explained,
    NamedStatement,
    Status,
)
from vitrine_server.db.migrate import MigrationState
from vitrine_server.pricing.partitions import MaintenanceReport
from vitrine_server.rpc.wire import milliseconds, seconds, timestamp


def _ratio(hit: int, read: int) -> float:
    return hit / (hit + read) if hit + read else 0.0


# -- status --------------------------------------------------------------------


def dependency(d: Dependency) -> api.DependencyStatus:
    return api.DependencyStatus(
        name=d.name,
        configured=d.configured,
        reachable=d.reachable,
        latency=None if d.latency is None else seconds(d.latency),
        version=d.version,
        detail=d.detail,
    )


def status(s: Status) -> api.GetStatusResponse:
    pool = s.pool
    return api.GetStatusResponse(
        build_version=s.build_version,
        uptime=seconds(s.uptime),
        start_time=timestamp(s.start_time),
        dependencies=[dependency(d) for d in s.dependencies],
        schema_version=s.schema_version,
        pending_migrations=s.pending_migrations,
        pool=api.PoolStatus(
            size=pool.size,
            idle=pool.idle,
            in_use=pool.size - pool.idle,
            min_size=pool.min_size,
            max_size=pool.max_size,
        ),
        workers=s.workers,
        pid=s.pid,
        background_tasks=[
            api.BackgroundTask(name=name, running=running) for name, running in s.background_tasks
        ],
        auth_enabled=s.auth_enabled,
        rate_limit_fail_open_total=s.rate_limit_fail_open_total,
    )


# -- migrations and partitions ---------------------------------------------------


def migration_status(states: list[MigrationState]) -> api.GetMigrationStatusResponse:
    return api.GetMigrationStatusResponse(
        migrations=[
            api.MigrationState(
                version=s.version, name=s.name, applied=s.applied, checksum_ok=s.checksum_ok
            )
            for s in states
        ],
        current_version=max((s.version for s in states if s.applied), default=0),
        pending_count=sum(1 for s in states if not s.applied),
    )


def partition(r: Any) -> api.Partition:
    return api.Partition(
        parent=r["parent"],
        name=r["name"],
        bound=r["bound"] or "",
        total_bytes=r["total_bytes"],
        estimated_rows=r["estimated_rows"],
        attached=r["attached"],
    )


def maintained(report: MaintenanceReport) -> api.MaintainPartitionsResponse:
    return api.MaintainPartitionsResponse(created_count=report.created, retired=report.retired)


# -- database statistics -----------------------------------------------------


def database_stats(d: DatabaseOverview) -> api.GetDatabaseStatsResponse:
    o = d.overview
    response = api.GetDatabaseStatsResponse(
        database=o["name"],
        database_bytes=o["bytes"],
        cache_hit_ratio=_ratio(o["blks_hit"], o["blks_read"]),
        deadlocks=o["deadlocks"],
        temp_files=o["temp_files"],
        temp_bytes=o["temp_bytes"],
        stats_reset_time=timestamp(o["stats_reset"]),
    )
    for r in d.connections:
        response.connections.add(state=r["state"], count=r["n"])
    for r in d.tables:
        response.tables.add(
            name=r["name"],
            live_rows=r["live_rows"],
            dead_rows=r["dead_rows"],
            table_bytes=r["table_bytes"],
            index_bytes=r["index_bytes"],
            total_bytes=r["total_bytes"],
            estimated_bloat_bytes=r["bloat_bytes"],
            seq_scans=r["seq_scans"],
            index_scans=r["index_scans"],
            last_vacuum_time=timestamp(r["last_vacuum"]),
        )
    for r in d.indexes:
        response.indexes.add(
            name=r["name"], table=r["table_name"], bytes=r["bytes"], scans=r["scans"]
        )
    response.partitions.extend(partition(r) for r in d.partitions)
    return response


def slow_queries(rows: Iterable[Any]) -> api.ListSlowQueriesResponse:
    return api.ListSlowQueriesResponse(
        queries=[
            api.SlowQuery(
                query=r["query"],
                calls=r["calls"],
                total_time=milliseconds(r["total_exec_time"]),
                mean_time=milliseconds(r["mean_exec_time"]),
                max_time=milliseconds(r["max_exec_time"]),
                rows=r["rows"],
                cache_hit_ratio=_ratio(r["shared_blks_hit"], r["shared_blks_read"]),
            )
            for r in rows
        ]
    )


def unused_indexes(rows: Iterable[Any], overview: Any) -> api.ListUnusedIndexesResponse:
    return api.ListUnusedIndexesResponse(
        indexes=[
            api.UnusedIndex(
                name=r["name"],
                table=r["table_name"],
                bytes=r["bytes"],
                definition=r["definition"],
                unique=r["is_unique"],
            )
            for r in rows
        ],
        stats_reset_time=timestamp(overview["stats_reset"] if overview else None),
    )


# -- statements ------------------------------------------------------------------


def statements(listed: Iterable[NamedStatement]) -> api.ListStatementsResponse:
    return api.ListStatementsResponse(
        statements=[
            api.Statement(name=s.name, description=s.description, sql=s.sql) for s in listed
        ]
    )


def explained(e: Explained) -> api.ExplainStatementResponse:
    return api.ExplainStatementResponse(
        statement=e.statement, parameter_types=e.parameter_types, plan=e.plan
    )


# -- cache -------------------------------------------------------------------------


def cache_stats(s: CacheStats) -> api.GetCacheStatsResponse:
    response = api.GetCacheStatsResponse(
        redis_used_memory_bytes=s.used_memory_bytes,
        redis_max_memory_bytes=s.max_memory_bytes,
        redis_keys=s.keys,
        service_keys=s.service_keys,
        redis_evicted_keys=s.evicted_keys,
    )
    for cache in sorted(s.counts):
        c = s.counts[cache]
        hits, misses = c.get("hits", 0), c.get("misses", 0)
        response.caches.add(
            cache=cache,
            hits=hits,
            misses=misses,
            bypassed=c.get("bypassed", 0),
            hit_ratio=_ratio(hits, misses),
        )
    return response


# -- operations --------------------------------------------------------------------


def _any(msg: message.Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(msg)
    return packed


def operation(r: Any) -> operation_pb2.Operation:
    op = operation_pb2.Operation(
        name=f"operations/{r['id']}",
        kind=r["kind"],
        done=r["done"],
        metadata=_any(
            operation_pb2.ReindexSearchMetadata(processed=r["processed"], total=r["total"])
        ),
        create_time=timestamp(r["created_at"]),
        update_time=timestamp(r["updated_at"]),
        end_time=timestamp(r["finished_at"]),
    )
    if r["error_code"] is not None:
        op.error.code = r["error_code"]
        op.error.message = r["error_message"] or ""
    elif r["done"]:
        result = r["result"] or {}
        op.response.CopyFrom(
            _any(operation_pb2.ReindexSearchResult(indexed=result.get("indexed", 0)))
        )
    return op
