"""api_keys rows -> the API's ApiKey (never with its hash)."""

from __future__ import annotations

from typing import Any

from vitrine.admin.v1 import api_key_pb2

from vitrine_server.access import scopes
from vitrine_server.rpc.wire import timestamp


def api_key(r: Any) -> api_key_pb2.ApiKey:
    return api_key_pb2.ApiKey(
        id=r["id"],
        name=r["name"],
        scopes=[scopes.ENUM_OF[scopes.BY_NAME[n]] for n in r["scopes"]],
        requests_per_minute=r["requests_per_minute"],
        burst=r["burst"],
        create_time=timestamp(r["created_at"]),
        expire_time=timestamp(r["expires_at"]),
        revoke_time=timestamp(r["revoked_at"]),
        created_by=r["created_by"],
    )
