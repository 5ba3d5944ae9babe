"""A span per PostgreSQL round trip, named by the statement's name.

The pool's connections are of this class when tracing is on (asyncpg's
`connection_class`), so every path to PostgreSQL is covered, the stores'
and the background loops' alike; when off, the pool uses asyncpg's own class
and nothing is wrapped. A statement from a .sql file is named as
AdminService.ListStatements names it (`catalog.products.get_products`);
any other SQL by its first word (`BEGIN`, `COMMIT`, `SELECT`). Only work
inside a sampled call gets spans: background loops and calls the sampler
left out skip the span machinery altogether.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from vitrine_server.db.sql import statement_name

_ATTRIBUTES = {"db.system.name": "postgresql"}
_UNTRACED = nullcontext()


def connection_class(tracer: trace.Tracer) -> type[asyncpg.Connection]:
    """An asyncpg Connection class whose queries open spans on `tracer`."""

    def span(query: str) -> Any:
        if not trace.get_current_span().is_recording():
            return _UNTRACED
        name = statement_name(query)
        return tracer.start_as_current_span(
            name, kind=SpanKind.CLIENT, attributes={**_ATTRIBUTES, "db.query.summary": name}
        )

    class TracedConnection(asyncpg.Connection):  # type: ignore[misc]
        __slots__ = ()

        async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
            with span(query):
                return await super().fetch(query, *args, **kwargs)

        async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
            with span(query):
                return await super().fetchrow(query, *args, **kwargs)

        async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
            with span(query):
                return await super().fetchval(query, *args, **kwargs)

        async def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
            with span(query):
                return await super().execute(query, *args, **kwargs)

        async def executemany(self, command: str, args: Any, **kwargs: Any) -> Any:
            with span(command):
                return await super().executemany(command, args, **kwargs)

    return TracedConnection
