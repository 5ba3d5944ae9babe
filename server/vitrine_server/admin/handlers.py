"""AdminService over gRPC: protobuf in, a call into the admin modules, protobuf out.

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
