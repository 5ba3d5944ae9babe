"""AdminService over gRPC: each method checks its request into model values
(validate.py; RPCs with no input skip it), asks the service, and turns the
answer into protobuf (convert.py).

Errors are not handled here: domain exceptions travel to rpc/handlers.py.
"""

from __future__ import annotations

from typing import Any

import grpc
from vitrine.admin.v1 import admin_service_pb2 as api
from vitrine.admin.v1 import admin_service_pb2_grpc

from vitrine_server import errors
from vitrine_server.access import convert as access_convert
from vitrine_server.access import validate as access_validate
from vitrine_server.access.service import ApiKeyService
from vitrine_server.admin import convert, validate
from vitrine_server.admin.cache_admin import CacheAdmin
from vitrine_server.admin.dbstats import DatabaseStats
from vitrine_server.admin.explain import Explainer
from vitrine_server.admin.maintenance import Maintenance
from vitrine_server.admin.operations import Operations
from vitrine_server.admin.search import SearchReindexer
from vitrine_server.admin.status import StatusService
from vitrine_server.rpc import paging

Context = grpc.aio.ServicerContext

REINDEX = "reindex-search"


class AdminHandlers(admin_service_pb2_grpc.AdminServiceServicer):
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
        tokens: paging.PageTokens,
    ):
        self.status = status
        self.maintenance = maintenance
        self.dbstats = dbstats
        self.explainer = explainer
        self.cache = cache
        self.operations = operations
        self.keys = keys
        self.search = search
        self.tokens = tokens

    async def GetStatus(self, request: api.GetStatusRequest, context: Context) -> Any:
        return convert.status(await self.status.status())

    async def GetMigrationStatus(
        self, request: api.GetMigrationStatusRequest, context: Context
    ) -> Any:
        return convert.migration_status(await self.maintenance.migration_status())

    async def ApplyMigrations(self, request: api.ApplyMigrationsRequest, context: Context) -> Any:
        target = validate.target_version(request, self.maintenance.known_versions())
        applied, current = await self.maintenance.apply_migrations(target)
        return api.ApplyMigrationsResponse(applied_versions=applied, current_version=current)

    async def GetDatabaseStats(self, request: api.GetDatabaseStatsRequest, context: Context) -> Any:
        return convert.database_stats(await self.dbstats.overview(validate.stats_limit(request)))

    async def ListSlowQueries(self, request: api.ListSlowQueriesRequest, context: Context) -> Any:
        return convert.slow_queries(await self.dbstats.slow_queries(validate.slow_queries(request)))

    async def ListUnusedIndexes(
        self, request: api.ListUnusedIndexesRequest, context: Context
    ) -> Any:
        rows, overview = await self.dbstats.unused_indexes(request.include_unique)
        return convert.unused_indexes(rows, overview)

    async def ListStatements(self, request: api.ListStatementsRequest, context: Context) -> Any:
        return convert.statements(self.explainer.list_statements())

    async def ExplainStatement(self, request: api.ExplainStatementRequest, context: Context) -> Any:
        return convert.explained(await self.explainer.explain(validate.explain(request)))

    async def GetCacheStats(self, request: api.GetCacheStatsRequest, context: Context) -> Any:
        return convert.cache_stats(await self.cache.stats())

    async def InvalidateCache(self, request: api.InvalidateCacheRequest, context: Context) -> Any:
        count = await self.cache.invalidate(validate.cache_target(request))
        return api.InvalidateCacheResponse(invalidated_keys=count)

    async def ReindexSearch(self, request: api.ReindexSearchRequest, context: Context) -> Any:
        if self.search is None:
            raise errors.FailedPrecondition(
                "no search backend is configured in this server", reason="NO_SEARCH_BACKEND"
            )
        row = await self.operations.start(REINDEX, self.search.reindex)
        return api.ReindexSearchResponse(operation=convert.operation(row))

    async def GetOperation(self, request: api.GetOperationRequest, context: Context) -> Any:
        row = await self.operations.get(validate.operation_id(request.name))
        return api.GetOperationResponse(operation=convert.operation(row))

    async def ListPartitions(self, request: api.ListPartitionsRequest, context: Context) -> Any:
        rows = await self.dbstats.partitions()
        return api.ListPartitionsResponse(partitions=[convert.partition(r) for r in rows])

    async def MaintainPartitions(
        self, request: api.MaintainPartitionsRequest, context: Context
    ) -> Any:
        report = await self.maintenance.maintain_partitions(validate.retention(request))
        return convert.maintained(report)

    async def CreateApiKey(self, request: api.CreateApiKeyRequest, context: Context) -> Any:
        row, token = await self.keys.create(access_validate.new_api_key(request))
        return api.CreateApiKeyResponse(api_key=access_convert.api_key(row), token=token)

    async def ListApiKeys(self, request: api.ListApiKeysRequest, context: Context) -> Any:
        size = paging.page_size(request.page_size, default=100, maximum=1000)
        cursor = await self.tokens.decode(request, (paging.TEXT,))  # the last key id served
        rows, last_id = await self.keys.page(
            cursor[0] if cursor is not None else None, request.show_revoked, size
        )
        response = api.ListApiKeysResponse(api_keys=[access_convert.api_key(r) for r in rows])
        if last_id is not None:
            response.next_page_token = await self.tokens.encode(request, [last_id])
        return response

    async def RevokeApiKey(self, request: api.RevokeApiKeyRequest, context: Context) -> Any:
        row = await self.keys.revoke(access_validate.key_id(request))
        return api.RevokeApiKeyResponse(api_key=access_convert.api_key(row))
