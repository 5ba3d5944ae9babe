"""The Redis client: short timeouts, no hidden retries, errors translated.

A cache that answers slowly is worse than none: past `redis_timeout` a call
fails and the caller falls back to PostgreSQL (or answers UNAVAILABLE where
Redis is the only home of the data, like trending).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from vitrine_server import errors
from vitrine_server.config import Settings

# What "Redis is not there" looks like from redis-py.
REDIS_DOWN = (RedisError, OSError, TimeoutError)


def connect(
    settings: Settings, client_class: type[aioredis.Redis] = aioredis.Redis
) -> aioredis.Redis:
    """The client (`client_class`: tracing/redis.py's when tracing is on)."""
    return client_class.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
        max_connections=64,
    )


def connect_listener(settings: Settings) -> aioredis.Redis:
    """For pub/sub: a subscriber waits indefinitely, so no read timeout, but
    keepalives and periodic health checks notice a dead connection."""
    return aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=None,
        socket_connect_timeout=settings.redis_timeout,
        socket_keepalive=True,
        health_check_interval=15,
        retry=Retry(NoBackoff(), 0),
    )


def connect_blocking(settings: Settings, block_s: float) -> aioredis.Redis:
    """For blocking reads (XREADGROUP ... BLOCK): a read may wait `block_s`
    for data, and not much longer, so a hung Redis fails it (UNAVAILABLE)
    instead of holding its caller for ever."""
    return aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=block_s + max(settings.redis_timeout, 1.0),
        socket_connect_timeout=settings.redis_timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
    )


@contextlib.contextmanager
def required() -> Iterator[None]:
    """For data that lives only in Redis: unreachable Redis is UNAVAILABLE."""
    try:
        yield
    except REDIS_DOWN as err:
        raise errors.Unavailable("Redis is unavailable", reason="REDIS_UNAVAILABLE") from err
