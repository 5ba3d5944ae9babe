"""The Redis client: short timeouts, no hidden retries, errors translated.

A cache that answers slowly is worse than none: past `redis_timeout` a call
fails and the caller falls back to PostgreSQL (or answers UNAVAILABLE where
Redis is the only home of the data, like trending).

On a Redis Cluster (settings.redis_cluster) the same functions return
redis-py's cluster client, which routes each command by its key's slot and
learns the new layout after a failover. Every multi-key script and
MULTI here touches keys of one hash tag (cache/keys.py), so one node runs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from vitrine_server import errors
from vitrine_server.config import Settings

# What "Redis is not there" looks like from redis-py.
REDIS_DOWN = (RedisError, OSError, TimeoutError)


def cluster_nodes(url: str) -> list[tuple[str, int]]:
    """The seed nodes of a cluster URL: redis://host:port[,host:port...]/."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    nodes = []
    for part in netloc.split(","):
        host, _, port = part.rpartition(":")
        nodes.append((host or part or "127.0.0.1", int(port) if host else 6379))
    return nodes


def _client(settings: Settings, client_class: type[aioredis.Redis] | None, **options: Any) -> Any:
    if settings.redis_cluster:
        parts = urlsplit(settings.redis_url)
        return RedisCluster(
            startup_nodes=[ClusterNode(h, p) for h, p in cluster_nodes(settings.redis_url)],
            username=parts.username,
            password=parts.password,
            ssl=parts.scheme == "rediss",
            **options,
        )
    return (client_class or aioredis.Redis).from_url(settings.redis_url, **options)


def connect(settings: Settings, client_class: type[aioredis.Redis] | None = None) -> aioredis.Redis:
    """The client (`client_class`: tracing/redis.py's when tracing is on; a
    cluster client is not traced per command)."""
    client: aioredis.Redis = _client(
        settings,
        client_class,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
        max_connections=64,
    )
    return client


def connect_listener(settings: Settings) -> aioredis.Redis:
    """For pub/sub: a subscriber waits indefinitely, so no read timeout, but
    keepalives and periodic health checks notice a dead connection. On a
    cluster, cache/invalidations.py subscribes on the node of the channel."""
    client: aioredis.Redis = _client(
        settings,
        None,
        socket_timeout=None,
        socket_connect_timeout=settings.redis_timeout,
        socket_keepalive=True,
        health_check_interval=15,
        retry=Retry(NoBackoff(), 0),
    )
    return client


def connect_blocking(settings: Settings, block_s: float) -> aioredis.Redis:
    """For blocking reads (XREADGROUP ... BLOCK): a read may wait `block_s`
    for data, and not much longer, so a hung Redis fails it (UNAVAILABLE)
    instead of holding its caller for ever."""
    client: aioredis.Redis = _client(
        settings,
        None,
        socket_timeout=block_s + max(settings.redis_timeout, 1.0),
        socket_connect_timeout=settings.redis_timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
    )
    return client


@contextlib.contextmanager
def required() -> Iterator[None]:
    """For data that lives only in Redis: unreachable Redis is UNAVAILABLE."""
    try:
        yield
    except REDIS_DOWN as err:
        raise errors.Unavailable("Redis is unavailable", reason="REDIS_UNAVAILABLE") from err


async def scan(client: aioredis.Redis, pattern: str, count: int) -> AsyncIterator[bytes]:
    """SCAN MATCH `pattern` over every master: on a cluster, node by node,
    each through a connection of its own (redis-py's cluster scan_iter
    mis-parses a node's reply while a failover settles)."""
    if not isinstance(client, RedisCluster):
        async for key in client.scan_iter(match=pattern, count=count):
            yield key
        return
    for node in client.get_primaries():
        kwargs = node.connection_kwargs
        one = aioredis.Redis(
            host=node.host,
            port=node.port,
            username=kwargs.get("username"),
            password=kwargs.get("password"),
            socket_timeout=kwargs.get("socket_timeout"),
            socket_connect_timeout=kwargs.get("socket_connect_timeout"),
        )
        try:
            async for key in one.scan_iter(match=pattern, count=count):
                yield key
        finally:
            await one.aclose()


async def info(client: aioredis.Redis, section: str) -> dict[str, Any]:
    """INFO `section`; on a cluster, numbers added up over the masters."""
    if not isinstance(client, RedisCluster):
        return dict(await client.info(section))
    total: dict[str, Any] = {}
    for node in client.get_primaries():
        one = await client.execute_command("INFO", section, target_nodes=node)
        for name, value in one.items():
            if isinstance(value, int | float):
                total[name] = total.get(name, 0) + value
    return total


async def dbsize(client: aioredis.Redis) -> int:
    """DBSIZE; on a cluster, added up over the masters."""
    if not isinstance(client, RedisCluster):
        return int(await client.dbsize())
    total = 0
    for node in client.get_primaries():
        total += int(await client.execute_command("DBSIZE", target_nodes=node))
    return total
