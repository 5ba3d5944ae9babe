"""AdminService over gRPC: protobuf in, a call into the admin modules, protobuf out.

Errors are not handled here: domain exceptions travel to rpc/handlers.py.
"""

from __future__ import annotations

from typing import Any

from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server import errors
from vitrine_server.access.apikeys import ApiKeyService
from vitrine_server.admin.cache_admin import CacheAdmin
from vitrine_server.admin.dbstats import DatabaseStats
from vitrine_server.admin.explain import Explainer
from vitrine_server.admin.maintenance import Maintenance
from vitrine_server.admin.operations import Operations
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.admin.status import StatusService

Context = Any  # grpc.aio.ServicerContext

REINDEX = "reindex-search"


class AdminHandlers:
    def __init__(
        self,
        status: StatusService,
        maintenance: Maintenance,
        dbstats: DatabaseStats,
        explainer: Explainer,
        cache: CacheAdmin,
        operations: Operations,
        keys: ApiKeyService,
        search: SearchReindexer | None,
    ):
        self.status = status
        self.maintenance = maintenance
        self.dbstats = dbstats
        self.explainer = explainer
        self.cache = cache
        self.operations = operations
        self.keys = keys
        self.search = search

    async def GetStatus(self, request: api.GetStatusRequest, context: Context) -> Any:
        return await self.status.status()

    async def GetMigrationStatus(
        self, request: api.GetMigrationStatusRequest, context: Context
    ) -> Any:
        return await self.maintenance.migration_status()

    async def ApplyMigrations(self, request: api.ApplyMigrationsRequest, context: Context) -> Any:
        return await self.maintenance.apply_migrations(request)

    async def GetDatabaseStats(self, request: api.GetDatabaseStatsRequest, context: Context) -> Any:
        return await self.dbstats.overview(request)

    async def ListSlowQueries(self, request: api.ListSlowQueriesRequest, context: Context) -> Any:
        return await self.dbstats.slow_queries(request)

    async def ListUnusedIndexes(
        self, request: api.ListUnusedIndexesRequest, context: Context
    ) -> Any:
        return await self.dbstats.unused_indexes(request)

    async def ListStatements(self, request: api.ListStatementsRequest, context: Context) -> Any:
        return self.explainer.list_statements()

    async def ExplainStatement(self, request: api.ExplainStatementRequest, context: Context) -> Any:
        return await self.explainer.explain(request)

    async def GetCacheStats(self, request: api.GetCacheStatsRequest, context: Context) -> Any:
        return await self.cache.stats()

    async def InvalidateCache(self, request: api.InvalidateCacheRequest, context: Context) -> Any:
        return await self.cache.invalidate(request)

    async def ReindexSearch(self, request: api.ReindexSearchRequest, context: Context) -> Any:
        if self.search is None:
            raise errors.FailedPrecondition(
                "no search backend is configured in this server", reason="NO_SEARCH_BACKEND"
            )
        operation = await self.operations.start(REINDEX, self.search.reindex)
        return api.ReindexSearchResponse(operation=operation)

    async def GetOperation(self, request: api.GetOperationRequest, context: Context) -> Any:
        return api.GetOperationResponse(operation=await self.operations.get(request.name))

    async def ListPartitions(self, request: api.ListPartitionsRequest, context: Context) -> Any:
        return api.ListPartitionsResponse(partitions=await self.dbstats.partitions())

    async def MaintainPartitions(
        self, request: api.MaintainPartitionsRequest, context: Context
    ) -> Any:
        return await self.maintenance.maintain_partitions(request)

    async def CreateApiKey(self, request: api.CreateApiKeyRequest, context: Context) -> Any:
        return await self.keys.create(request)

    async def ListApiKeys(self, request: api.ListApiKeysRequest, context: Context) -> Any:
        return await self.keys.list_keys(request)

    async def RevokeApiKey(self, request: api.RevokeApiKeyRequest, context: Context) -> Any:
        return await self.keys.revoke(request)
