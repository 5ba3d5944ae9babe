import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from vitrine.admin.v1 import api_key_pb2 as _api_key_pb2
from vitrine.admin.v1 import operation_pb2 as _operation_pb2
from vitrine.type.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlowQueryOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLOW_QUERY_ORDER_UNSPECIFIED: _ClassVar[SlowQueryOrder]
    SLOW_QUERY_ORDER_TOTAL_TIME: _ClassVar[SlowQueryOrder]
    SLOW_QUERY_ORDER_MEAN_TIME: _ClassVar[SlowQueryOrder]
    SLOW_QUERY_ORDER_CALLS: _ClassVar[SlowQueryOrder]

class CacheEntity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CACHE_ENTITY_UNSPECIFIED: _ClassVar[CacheEntity]
    CACHE_ENTITY_PRODUCT: _ClassVar[CacheEntity]
    CACHE_ENTITY_CATEGORY: _ClassVar[CacheEntity]
    CACHE_ENTITY_STORE: _ClassVar[CacheEntity]

class RetentionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RETENTION_MODE_UNSPECIFIED: _ClassVar[RetentionMode]
    RETENTION_MODE_DETACH: _ClassVar[RetentionMode]
    RETENTION_MODE_DROP: _ClassVar[RetentionMode]
SLOW_QUERY_ORDER_UNSPECIFIED: SlowQueryOrder
SLOW_QUERY_ORDER_TOTAL_TIME: SlowQueryOrder
SLOW_QUERY_ORDER_MEAN_TIME: SlowQueryOrder
SLOW_QUERY_ORDER_CALLS: SlowQueryOrder
CACHE_ENTITY_UNSPECIFIED: CacheEntity
CACHE_ENTITY_PRODUCT: CacheEntity
CACHE_ENTITY_CATEGORY: CacheEntity
CACHE_ENTITY_STORE: CacheEntity
RETENTION_MODE_UNSPECIFIED: RetentionMode
RETENTION_MODE_DETACH: RetentionMode
RETENTION_MODE_DROP: RetentionMode

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DependencyStatus(_message.Message):
    __slots__ = ("name", "configured", "reachable", "latency", "version", "detail")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    REACHABLE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    configured: bool
    reachable: bool
    latency: _duration_pb2.Duration
    version: str
    detail: str
    def __init__(self, name: _Optional[str] = ..., configured: _Optional[bool] = ..., reachable: _Optional[bool] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., version: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class PoolStatus(_message.Message):
    __slots__ = ("size", "idle", "in_use", "min_size", "max_size")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    size: int
    idle: int
    in_use: int
    min_size: int
    max_size: int
    def __init__(self, size: _Optional[int] = ..., idle: _Optional[int] = ..., in_use: _Optional[int] = ..., min_size: _Optional[int] = ..., max_size: _Optional[int] = ...) -> None: ...

class BackgroundTask(_message.Message):
    __slots__ = ("name", "running")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    name: str
    running: bool
    def __init__(self, name: _Optional[str] = ..., running: _Optional[bool] = ...) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("build_version", "uptime", "start_time", "dependencies", "schema_version", "pending_migrations", "pool", "workers", "pid", "background_tasks", "auth_enabled", "rate_limit_fail_open_total")
    BUILD_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    PENDING_MIGRATIONS_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_TASKS_FIELD_NUMBER: _ClassVar[int]
    AUTH_ENABLED_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FAIL_OPEN_TOTAL_FIELD_NUMBER: _ClassVar[int]
    build_version: str
    uptime: _duration_pb2.Duration
    start_time: _timestamp_pb2.Timestamp
    dependencies: _containers.RepeatedCompositeFieldContainer[DependencyStatus]
    schema_version: int
    pending_migrations: int
    pool: PoolStatus
    workers: int
    pid: int
    background_tasks: _containers.RepeatedCompositeFieldContainer[BackgroundTask]
    auth_enabled: bool
    rate_limit_fail_open_total: int
    def __init__(self, build_version: _Optional[str] = ..., uptime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dependencies: _Optional[_Iterable[_Union[DependencyStatus, _Mapping]]] = ..., schema_version: _Optional[int] = ..., pending_migrations: _Optional[int] = ..., pool: _Optional[_Union[PoolStatus, _Mapping]] = ..., workers: _Optional[int] = ..., pid: _Optional[int] = ..., background_tasks: _Optional[_Iterable[_Union[BackgroundTask, _Mapping]]] = ..., auth_enabled: _Optional[bool] = ..., rate_limit_fail_open_total: _Optional[int] = ...) -> None: ...

class GetMigrationStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MigrationState(_message.Message):
    __slots__ = ("version", "name", "applied", "checksum_ok")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    CHECKSUM_OK_FIELD_NUMBER: _ClassVar[int]
    version: int
    name: str
    applied: bool
    checksum_ok: bool
    def __init__(self, version: _Optional[int] = ..., name: _Optional[str] = ..., applied: _Optional[bool] = ..., checksum_ok: _Optional[bool] = ...) -> None: ...

class GetMigrationStatusResponse(_message.Message):
    __slots__ = ("migrations", "current_version", "pending_count")
    MIGRATIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    migrations: _containers.RepeatedCompositeFieldContainer[MigrationState]
    current_version: int
    pending_count: int
    def __init__(self, migrations: _Optional[_Iterable[_Union[MigrationState, _Mapping]]] = ..., current_version: _Optional[int] = ..., pending_count: _Optional[int] = ...) -> None: ...

class ApplyMigrationsRequest(_message.Message):
    __slots__ = ("target_version",)
    TARGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    target_version: int
    def __init__(self, target_version: _Optional[int] = ...) -> None: ...

class ApplyMigrationsResponse(_message.Message):
    __slots__ = ("applied_versions", "current_version")
    APPLIED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    applied_versions: _containers.RepeatedScalarFieldContainer[int]
    current_version: int
    def __init__(self, applied_versions: _Optional[_Iterable[int]] = ..., current_version: _Optional[int] = ...) -> None: ...

class GetDatabaseStatsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class TableStats(_message.Message):
    __slots__ = ("name", "live_rows", "dead_rows", "table_bytes", "index_bytes", "total_bytes", "estimated_bloat_bytes", "seq_scans", "index_scans", "last_vacuum_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIVE_ROWS_FIELD_NUMBER: _ClassVar[int]
    DEAD_ROWS_FIELD_NUMBER: _ClassVar[int]
    TABLE_BYTES_FIELD_NUMBER: _ClassVar[int]
    INDEX_BYTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_BLOAT_BYTES_FIELD_NUMBER: _ClassVar[int]
    SEQ_SCANS_FIELD_NUMBER: _ClassVar[int]
    INDEX_SCANS_FIELD_NUMBER: _ClassVar[int]
    LAST_VACUUM_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    live_rows: int
    dead_rows: int
    table_bytes: int
    index_bytes: int
    total_bytes: int
    estimated_bloat_bytes: int
    seq_scans: int
    index_scans: int
    last_vacuum_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., live_rows: _Optional[int] = ..., dead_rows: _Optional[int] = ..., table_bytes: _Optional[int] = ..., index_bytes: _Optional[int] = ..., total_bytes: _Optional[int] = ..., estimated_bloat_bytes: _Optional[int] = ..., seq_scans: _Optional[int] = ..., index_scans: _Optional[int] = ..., last_vacuum_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IndexStats(_message.Message):
    __slots__ = ("name", "table", "bytes", "scans")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    SCANS_FIELD_NUMBER: _ClassVar[int]
    name: str
    table: str
    bytes: int
    scans: int
    def __init__(self, name: _Optional[str] = ..., table: _Optional[str] = ..., bytes: _Optional[int] = ..., scans: _Optional[int] = ...) -> None: ...

class ConnectionCount(_message.Message):
    __slots__ = ("state", "count")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    state: str
    count: int
    def __init__(self, state: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Partition(_message.Message):
    __slots__ = ("parent", "name", "bound", "total_bytes", "estimated_rows", "attached")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_ROWS_FIELD_NUMBER: _ClassVar[int]
    ATTACHED_FIELD_NUMBER: _ClassVar[int]
    parent: str
    name: str
    bound: str
    total_bytes: int
    estimated_rows: int
    attached: bool
    def __init__(self, parent: _Optional[str] = ..., name: _Optional[str] = ..., bound: _Optional[str] = ..., total_bytes: _Optional[int] = ..., estimated_rows: _Optional[int] = ..., attached: _Optional[bool] = ...) -> None: ...

class GetDatabaseStatsResponse(_message.Message):
    __slots__ = ("database", "database_bytes", "cache_hit_ratio", "deadlocks", "temp_files", "temp_bytes", "connections", "tables", "indexes", "partitions", "stats_reset_time")
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    DATABASE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_RATIO_FIELD_NUMBER: _ClassVar[int]
    DEADLOCKS_FIELD_NUMBER: _ClassVar[int]
    TEMP_FILES_FIELD_NUMBER: _ClassVar[int]
    TEMP_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    INDEXES_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    STATS_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    database: str
    database_bytes: int
    cache_hit_ratio: float
    deadlocks: int
    temp_files: int
    temp_bytes: int
    connections: _containers.RepeatedCompositeFieldContainer[ConnectionCount]
    tables: _containers.RepeatedCompositeFieldContainer[TableStats]
    indexes: _containers.RepeatedCompositeFieldContainer[IndexStats]
    partitions: _containers.RepeatedCompositeFieldContainer[Partition]
    stats_reset_time: _timestamp_pb2.Timestamp
    def __init__(self, database: _Optional[str] = ..., database_bytes: _Optional[int] = ..., cache_hit_ratio: _Optional[float] = ..., deadlocks: _Optional[int] = ..., temp_files: _Optional[int] = ..., temp_bytes: _Optional[int] = ..., connections: _Optional[_Iterable[_Union[ConnectionCount, _Mapping]]] = ..., tables: _Optional[_Iterable[_Union[TableStats, _Mapping]]] = ..., indexes: _Optional[_Iterable[_Union[IndexStats, _Mapping]]] = ..., partitions: _Optional[_Iterable[_Union[Partition, _Mapping]]] = ..., stats_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSlowQueriesRequest(_message.Message):
    __slots__ = ("limit", "order_by", "min_calls")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    MIN_CALLS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    order_by: SlowQueryOrder
    min_calls: int
    def __init__(self, limit: _Optional[int] = ..., order_by: _Optional[_Union[SlowQueryOrder, str]] = ..., min_calls: _Optional[int] = ...) -> None: ...

class SlowQuery(_message.Message):
    __slots__ = ("query", "calls", "total_time", "mean_time", "max_time", "rows", "cache_hit_ratio")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    MEAN_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_TIME_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_RATIO_FIELD_NUMBER: _ClassVar[int]
    query: str
    calls: int
    total_time: _duration_pb2.Duration
    mean_time: _duration_pb2.Duration
    max_time: _duration_pb2.Duration
    rows: int
    cache_hit_ratio: float
    def __init__(self, query: _Optional[str] = ..., calls: _Optional[int] = ..., total_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., mean_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., rows: _Optional[int] = ..., cache_hit_ratio: _Optional[float] = ...) -> None: ...

class ListSlowQueriesResponse(_message.Message):
    __slots__ = ("queries",)
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedCompositeFieldContainer[SlowQuery]
    def __init__(self, queries: _Optional[_Iterable[_Union[SlowQuery, _Mapping]]] = ...) -> None: ...

class ListUnusedIndexesRequest(_message.Message):
    __slots__ = ("include_unique",)
    INCLUDE_UNIQUE_FIELD_NUMBER: _ClassVar[int]
    include_unique: bool
    def __init__(self, include_unique: _Optional[bool] = ...) -> None: ...

class UnusedIndex(_message.Message):
    __slots__ = ("name", "table", "bytes", "definition", "unique")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    table: str
    bytes: int
    definition: str
    unique: bool
    def __init__(self, name: _Optional[str] = ..., table: _Optional[str] = ..., bytes: _Optional[int] = ..., definition: _Optional[str] = ..., unique: _Optional[bool] = ...) -> None: ...

class ListUnusedIndexesResponse(_message.Message):
    __slots__ = ("indexes", "stats_reset_time")
    INDEXES_FIELD_NUMBER: _ClassVar[int]
    STATS_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    indexes: _containers.RepeatedCompositeFieldContainer[UnusedIndex]
    stats_reset_time: _timestamp_pb2.Timestamp
    def __init__(self, indexes: _Optional[_Iterable[_Union[UnusedIndex, _Mapping]]] = ..., stats_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListStatementsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Statement(_message.Message):
    __slots__ = ("name", "description", "sql")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SQL_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    sql: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., sql: _Optional[str] = ...) -> None: ...

class ListStatementsResponse(_message.Message):
    __slots__ = ("statements",)
    STATEMENTS_FIELD_NUMBER: _ClassVar[int]
    statements: _containers.RepeatedCompositeFieldContainer[Statement]
    def __init__(self, statements: _Optional[_Iterable[_Union[Statement, _Mapping]]] = ...) -> None: ...

class ExplainStatementRequest(_message.Message):
    __slots__ = ("statement", "parameters")
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    statement: str
    parameters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, statement: _Optional[str] = ..., parameters: _Optional[_Iterable[str]] = ...) -> None: ...

class ExplainStatementResponse(_message.Message):
    __slots__ = ("statement", "parameter_types", "plan")
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_TYPES_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    statement: str
    parameter_types: _containers.RepeatedScalarFieldContainer[str]
    plan: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, statement: _Optional[str] = ..., parameter_types: _Optional[_Iterable[str]] = ..., plan: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCacheStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CacheCounters(_message.Message):
    __slots__ = ("cache", "hits", "misses", "bypassed", "hit_ratio")
    CACHE_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    BYPASSED_FIELD_NUMBER: _ClassVar[int]
    HIT_RATIO_FIELD_NUMBER: _ClassVar[int]
    cache: str
    hits: int
    misses: int
    bypassed: int
    hit_ratio: float
    def __init__(self, cache: _Optional[str] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ..., bypassed: _Optional[int] = ..., hit_ratio: _Optional[float] = ...) -> None: ...

class GetCacheStatsResponse(_message.Message):
    __slots__ = ("caches", "redis_used_memory_bytes", "redis_max_memory_bytes", "redis_keys", "service_keys", "redis_evicted_keys")
    CACHES_FIELD_NUMBER: _ClassVar[int]
    REDIS_USED_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    REDIS_MAX_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    REDIS_KEYS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_KEYS_FIELD_NUMBER: _ClassVar[int]
    REDIS_EVICTED_KEYS_FIELD_NUMBER: _ClassVar[int]
    caches: _containers.RepeatedCompositeFieldContainer[CacheCounters]
    redis_used_memory_bytes: int
    redis_max_memory_bytes: int
    redis_keys: int
    service_keys: int
    redis_evicted_keys: int
    def __init__(self, caches: _Optional[_Iterable[_Union[CacheCounters, _Mapping]]] = ..., redis_used_memory_bytes: _Optional[int] = ..., redis_max_memory_bytes: _Optional[int] = ..., redis_keys: _Optional[int] = ..., service_keys: _Optional[int] = ..., redis_evicted_keys: _Optional[int] = ...) -> None: ...

class InvalidateCacheRequest(_message.Message):
    __slots__ = ("entities", "key_prefix")
    class Entities(_message.Message):
        __slots__ = ("entity", "ids")
        ENTITY_FIELD_NUMBER: _ClassVar[int]
        IDS_FIELD_NUMBER: _ClassVar[int]
        entity: CacheEntity
        ids: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, entity: _Optional[_Union[CacheEntity, str]] = ..., ids: _Optional[_Iterable[int]] = ...) -> None: ...
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    entities: InvalidateCacheRequest.Entities
    key_prefix: str
    def __init__(self, entities: _Optional[_Union[InvalidateCacheRequest.Entities, _Mapping]] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class InvalidateCacheResponse(_message.Message):
    __slots__ = ("invalidated_keys",)
    INVALIDATED_KEYS_FIELD_NUMBER: _ClassVar[int]
    invalidated_keys: int
    def __init__(self, invalidated_keys: _Optional[int] = ...) -> None: ...

class ReindexSearchRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReindexSearchResponse(_message.Message):
    __slots__ = ("operation",)
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    operation: _operation_pb2.Operation
    def __init__(self, operation: _Optional[_Union[_operation_pb2.Operation, _Mapping]] = ...) -> None: ...

class GetOperationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetOperationResponse(_message.Message):
    __slots__ = ("operation",)
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    operation: _operation_pb2.Operation
    def __init__(self, operation: _Optional[_Union[_operation_pb2.Operation, _Mapping]] = ...) -> None: ...

class ListPartitionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPartitionsResponse(_message.Message):
    __slots__ = ("partitions",)
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    partitions: _containers.RepeatedCompositeFieldContainer[Partition]
    def __init__(self, partitions: _Optional[_Iterable[_Union[Partition, _Mapping]]] = ...) -> None: ...

class MaintainPartitionsRequest(_message.Message):
    __slots__ = ("retention_months", "mode")
    RETENTION_MONTHS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    retention_months: int
    mode: RetentionMode
    def __init__(self, retention_months: _Optional[int] = ..., mode: _Optional[_Union[RetentionMode, str]] = ...) -> None: ...

class MaintainPartitionsResponse(_message.Message):
    __slots__ = ("created_count", "retired")
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    created_count: int
    retired: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, created_count: _Optional[int] = ..., retired: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_key_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_api_key_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "token")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_key_pb2.ApiKey
    token: str
    def __init__(self, api_key: _Optional[_Union[_api_key_pb2.ApiKey, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "show_revoked")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHOW_REVOKED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    show_revoked: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., show_revoked: _Optional[bool] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys", "next_page_token")
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[_api_key_pb2.ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[_api_key_pb2.ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_key_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_api_key_pb2.ApiKey, _Mapping]] = ...) -> None: ...
