"""What PostgreSQL says about this database: sizes, cache hit ratio,
connections, deadlocks, temporary files, bloat, partitions, slow statements
(pg_stat_statements) and unused indexes. The queries are store.py's; what
they answer becomes protobuf in convert.py."""

from __future__ import annotations

from typing import Any

from vitrine_server import errors
from vitrine_server.admin import store
from vitrine_server.admin.model import DatabaseOverview, SlowQueryFilter
from vitrine_server.db.database import Database

HOW_TO_PRELOAD = (
    "pg_stat_statements is not loaded: add shared_preload_libraries = 'pg_stat_statements' "
    "to postgresql.conf and restart PostgreSQL (scripts/services.sh does this for the "
    "PostgreSQL it starts), then run CREATE EXTENSION pg_stat_statements in this database"
)
HOW_TO_CREATE = (
    "pg_stat_statements is loaded but not created in database {db}: "
    "run CREATE EXTENSION pg_stat_statements there (as a superuser)"
)


class DatabaseStats:
    def __init__(self, db: Database):
        self.db = db

    async def overview(self, limit: int) -> DatabaseOverview:
        return await store.overview(self.db, limit)

    async def partitions(self) -> list[Any]:
        return await store.partitions(self.db)

    async def slow_queries(self, f: SlowQueryFilter) -> list[Any]:
        """FAILED_PRECONDITION, saying how to fix it, without pg_stat_statements."""
        ext = await store.statements_extension(self.db)
        if not ext["preloaded"]:
            raise errors.FailedPrecondition(HOW_TO_PRELOAD, reason="PG_STAT_STATEMENTS_NOT_LOADED")
        if ext["version"] is None:
            name = await store.database_name(self.db)
            raise errors.FailedPrecondition(
                HOW_TO_CREATE.format(db=name), reason="PG_STAT_STATEMENTS_NOT_CREATED"
            )
        return await store.slow_queries(self.db, f)

    async def unused_indexes(self, include_unique: bool) -> tuple[list[Any], Any]:
        return await store.unused_indexes(self.db, include_unique)
