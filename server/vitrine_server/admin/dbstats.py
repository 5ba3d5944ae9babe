"""What PostgreSQL says about this database: sizes, cache hit ratio,
connections, deadlocks, temporary files, bloat, partitions, slow statements
(pg_stat_statements) and unused indexes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2
from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server import errors
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

Q = load_queries(__package__, "dbstats.sql")

HOW_TO_PRELOAD = (
    "pg_stat_statements is not loaded: add shared_preload_libraries = 'pg_stat_statements' "
    "to postgresql.conf and restart PostgreSQL (scripts/services.sh does this for the "
    "PostgreSQL it starts), then run CREATE EXTENSION pg_stat_statements in this database"
)
HOW_TO_CREATE = (
    "pg_stat_statements is loaded but not created in database {db}: "
    "run CREATE EXTENSION pg_stat_statements there (as a superuser)"
)
_ORDERS = {
    api.SLOW_QUERY_ORDER_UNSPECIFIED: "total",
    api.SLOW_QUERY_ORDER_TOTAL_TIME: "total",
    api.SLOW_QUERY_ORDER_MEAN_TIME: "mean",
    api.SLOW_QUERY_ORDER_CALLS: "calls",
}


def _ts(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def _ms(value: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(value * 1_000_000))
    return d


def _ratio(hit: int, read: int) -> float:
    return hit / (hit + read) if hit + read else 0.0


def _limit(value: int, field: str, default: int, maximum: int) -> int:
    if not 0 <= value <= maximum:
        raise errors.InvalidArgument(
            [errors.FieldViolation(field, f"must be 0 (meaning {default}) to {maximum}")]
        )
    return value or default


def partition_proto(r: Any) -> api.Partition:
    return api.Partition(
        parent=r["parent"],
        name=r["name"],
        bound=r["bound"] or "",
        total_bytes=r["total_bytes"],
        estimated_rows=r["estimated_rows"],
        attached=r["attached"],
    )


class DatabaseStats:
    def __init__(self, db: Database):
        self.db = db

    async def overview(self, request: api.GetDatabaseStatsRequest) -> api.GetDatabaseStatsResponse:
        limit = _limit(request.limit, "limit", 50, 1000)
        o = await self.db.fetchrow(Q.database_overview)
        assert o is not None
        response = api.GetDatabaseStatsResponse(
            database=o["name"],
            database_bytes=o["bytes"],
            cache_hit_ratio=_ratio(o["blks_hit"], o["blks_read"]),
            deadlocks=o["deadlocks"],
            temp_files=o["temp_files"],
            temp_bytes=o["temp_bytes"],
            stats_reset_time=_ts(o["stats_reset"]),
        )
        for r in await self.db.fetch(Q.connections_by_state):
            response.connections.add(state=r["state"], count=r["n"])
        for r in await self.db.fetch(Q.largest_tables, limit):
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
                last_vacuum_time=_ts(r["last_vacuum"]),
            )
        for r in await self.db.fetch(Q.largest_indexes, limit):
            response.indexes.add(
                name=r["name"], table=r["table_name"], bytes=r["bytes"], scans=r["scans"]
            )
        response.partitions.extend(partition_proto(r) for r in await self.db.fetch(Q.partitions))
        return response

    async def partitions(self) -> list[api.Partition]:
        return [partition_proto(r) for r in await self.db.fetch(Q.partitions)]

    async def slow_queries(
        self, request: api.ListSlowQueriesRequest
    ) -> api.ListSlowQueriesResponse:
        v = errors.Violations()
        if not 0 <= request.limit <= 500:
            v.add("limit", "must be 0 (meaning 20) to 500")
        if request.min_calls < 0:
            v.add("min_calls", "must not be negative")
        if request.order_by not in _ORDERS:
            v.add("order_by", "is not a SlowQueryOrder")
        v.raise_if_any()
        ext = await self.db.fetchrow(Q.statements_extension)
        assert ext is not None
        if not ext["preloaded"]:
            raise errors.FailedPrecondition(HOW_TO_PRELOAD, reason="PG_STAT_STATEMENTS_NOT_LOADED")
        if ext["version"] is None:
            name = await self.db.fetchval("SELECT current_database()")
            raise errors.FailedPrecondition(
                HOW_TO_CREATE.format(db=name), reason="PG_STAT_STATEMENTS_NOT_CREATED"
            )
        rows = await self.db.fetch(
            Q.slow_queries, request.limit or 20, request.min_calls, _ORDERS[request.order_by]
        )
        return api.ListSlowQueriesResponse(
            queries=[
                api.SlowQuery(
                    query=r["query"],
                    calls=r["calls"],
                    total_time=_ms(r["total_exec_time"]),
                    mean_time=_ms(r["mean_exec_time"]),
                    max_time=_ms(r["max_exec_time"]),
                    rows=r["rows"],
                    cache_hit_ratio=_ratio(r["shared_blks_hit"], r["shared_blks_read"]),
                )
                for r in rows
            ]
        )

    async def unused_indexes(
        self, request: api.ListUnusedIndexesRequest
    ) -> api.ListUnusedIndexesResponse:
        o = await self.db.fetchrow(Q.database_overview)
        rows = await self.db.fetch(Q.unused_indexes, request.include_unique)
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
            stats_reset_time=_ts(o["stats_reset"] if o else None),
        )
