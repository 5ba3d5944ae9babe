"""A span per Redis round trip: redis-py commands and pipelines, and the
cache's own pipelined connection (cache/pipeline.py), each named
`redis <COMMAND>` (`redis pipeline` for a pipeline of several). As for
PostgreSQL, only work inside a sampled call gets spans."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import redis.asyncio as aioredis
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from redis.asyncio.client import Pipeline


def _command(args: tuple[Any, ...]) -> str:
    name = args[0] if args else "?"
    return (name.decode() if isinstance(name, bytes) else str(name)).upper()


_UNTRACED = nullcontext()


def command_span(tracer: trace.Tracer, args: tuple[Any, ...]) -> Any:
    if not trace.get_current_span().is_recording():
        return _UNTRACED
    command = _command(args)
    return tracer.start_as_current_span(
        f"redis {command}",
        kind=SpanKind.CLIENT,
        attributes={"db.system.name": "redis", "db.operation.name": command},
    )


def client_class(tracer: trace.Tracer) -> type[aioredis.Redis]:
    """A redis-py asyncio client class whose round trips open spans on `tracer`."""

    class TracedPipeline(Pipeline):
        async def execute(self, raise_on_error: bool = True) -> Any:
            if not trace.get_current_span().is_recording():
                return await super().execute(raise_on_error)
            with tracer.start_as_current_span(
                "redis pipeline",
                kind=SpanKind.CLIENT,
                attributes={
                    "db.system.name": "redis",
                    "db.operation.name": "pipeline",
                    "db.operation.batch.size": len(self.command_stack),
                },
            ):
                return await super().execute(raise_on_error)

    class TracedRedis(aioredis.Redis):
        async def execute_command(self, *args: Any, **options: Any) -> Any:
            with command_span(tracer, args):
                return await super().execute_command(*args, **options)

        def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Any:
            return TracedPipeline(
                self.connection_pool, self.response_callbacks, transaction, shard_hint
            )

    return TracedRedis
