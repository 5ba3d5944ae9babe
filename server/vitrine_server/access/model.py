"""What API-key requests ask, checked, independent of protobuf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NewApiKey:
    name: str
    # Scope names, in scope order.
    scopes: list[str]
    # 0: the server's default.
    requests_per_minute: int
    burst: int
    expires_at: dt.datetime | None
