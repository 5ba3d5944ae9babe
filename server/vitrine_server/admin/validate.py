"""Admin requests checked and turned into plain values (model.py); every bad
field is named, all at once. RPCs with no input have nothing here."""

from __future__ import annotations

import re
from collections.abc import Sequence

from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server import errors
from vitrine_server.admin.model import (
    EntityInvalidation,
    ExplainRequest,
    PrefixInvalidation,
    Retention,
    SlowQueryFilter,
)
from vitrine_server.validation import refs

MAX_RETENTION_MONTHS = 1200
MAX_INVALIDATE_IDS = 10_000
_ORDERS = {
    api.SLOW_QUERY_ORDER_UNSPECIFIED: "total",
    api.SLOW_QUERY_ORDER_TOTAL_TIME: "total",
    api.SLOW_QUERY_ORDER_MEAN_TIME: "mean",
    api.SLOW_QUERY_ORDER_CALLS: "calls",
}
_ENTITIES = {
    api.CACHE_ENTITY_PRODUCT: "product",
    api.CACHE_ENTITY_CATEGORY: "category",
    api.CACHE_ENTITY_STORE: "store",
}
# Only the cache's own namespaces: favorites, trending and the alert stream
# live only in Redis, and the cache's generation key guards its correctness.
_PREFIX = re.compile(r"^(product|category|store)(:[A-Za-z0-9:_-]*)?$")
_OPERATION = re.compile(r"^operations/([0-9a-f]{16})$")


def stats_limit(request: api.GetDatabaseStatsRequest) -> int:
    """How many tables and indexes GetDatabaseStats lists."""
    if not 0 <= request.limit <= 1000:
        raise errors.InvalidArgument(
            [errors.FieldViolation("limit", "must be 0 (meaning 50) to 1000")]
        )
    return request.limit or 50


def slow_queries(request: api.ListSlowQueriesRequest) -> SlowQueryFilter:
    v = errors.Violations()
    if not 0 <= request.limit <= 500:
        v.add("limit", "must be 0 (meaning 20) to 500")
    if request.min_calls < 0:
        v.add("min_calls", "must not be negative")
    if request.order_by not in _ORDERS:
        v.add("order_by", "is not a SlowQueryOrder")
    v.raise_if_any()
    return SlowQueryFilter(request.limit or 20, request.min_calls, _ORDERS[request.order_by])


def target_version(request: api.ApplyMigrationsRequest, known: Sequence[int]) -> int | None:
    """The version to migrate up to; None: every pending one."""
    target = request.target_version
    if target < 0 or (target and target not in known):
        raise errors.InvalidArgument(
            [
                errors.FieldViolation(
                    "target_version", f"must be 0 (all) or a known version: {list(known)}"
                )
            ]
        )
    return target or None


def retention(request: api.MaintainPartitionsRequest) -> Retention:
    v = errors.Violations()
    months = None
    if request.HasField("retention_months"):
        months = request.retention_months
        if not 0 <= months <= MAX_RETENTION_MONTHS:
            v.add("retention_months", f"must be 0 (keep all) to {MAX_RETENTION_MONTHS}")
    if request.mode not in api.RetentionMode.values():
        v.add("mode", "is not a RetentionMode")
    v.raise_if_any()
    drop = {api.RETENTION_MODE_DETACH: False, api.RETENTION_MODE_DROP: True}.get(request.mode)
    return Retention(months, drop)


def cache_target(
    request: api.InvalidateCacheRequest,
) -> EntityInvalidation | PrefixInvalidation:
    target = request.WhichOneof("target")
    if target == "entities":
        return _entities(request.entities)
    if target == "key_prefix":
        return _prefix(request.key_prefix)
    raise errors.InvalidArgument([errors.FieldViolation("target", "set entities or key_prefix")])


def _entities(entities: api.InvalidateCacheRequest.Entities) -> EntityInvalidation:
    v = errors.Violations()
    entity = _ENTITIES.get(entities.entity)
    if entity is None:
        v.add("entities.entity", "must be PRODUCT, CATEGORY or STORE")
    refs.id_list(v, "entities.ids", entities.ids, MAX_INVALIDATE_IDS)
    v.raise_if_any()
    assert entity is not None
    return EntityInvalidation(entity, tuple(entities.ids))


def _prefix(prefix: str) -> PrefixInvalidation:
    if not _PREFIX.match(prefix):
        raise errors.InvalidArgument(
            [
                errors.FieldViolation(
                    "key_prefix",
                    'must start with "product", "category" or "store" (letters, digits, '
                    '":", "_" and "-" only)',
                )
            ]
        )
    return PrefixInvalidation(prefix)


def explain(request: api.ExplainStatementRequest) -> ExplainRequest:
    if not request.statement:
        raise errors.InvalidArgument(
            [errors.FieldViolation("statement", "is required (a name from ListStatements)")]
        )
    return ExplainRequest(request.statement, tuple(request.parameters))


def operation_id(name: str) -> str:
    """The id in an operation's name (operations/<16 hex digits>)."""
    m = _OPERATION.match(name)
    if m is None:
        raise errors.InvalidArgument(
            [errors.FieldViolation("name", "must look like operations/<16 hex digits>")]
        )
    return m[1]
