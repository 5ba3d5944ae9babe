"""Invalidations announced between processes over Redis pub/sub, for the
in-process tier (cache/local.py).

Every write publishes the keys it deleted; every process listens and drops
them from its own tier. Pub/sub delivers at most once: when the listener's
connection breaks, messages may have been missed, so the tier is cleared
before listening again. While Redis is down nothing is announced, and the
callers' staleness bound is what holds.

The channels are sharded (SPUBLISH / SSUBSCRIBE, Redis 7): on a Redis
Cluster a message goes to the node that owns its channel's slot and its
replicas, not to every node; on one server they act as plain channels. On a
cluster the listener subscribes on that node and, after any failure, asks
the cluster where the channel is now (a failover moves it to the promoted
replica).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from vitrine_server.background import Background
from vitrine_server.cache.redis import REDIS_DOWN

log = logging.getLogger("vitrine.cache")

RETRY_S = 0.5


class Forgetful(Protocol):
    """What listens: the in-process tier (cache/local.py), or the API key
    cache (access/authenticator.py) on the channel of revoked keys."""

    def discard(self, keys: list[str]) -> None: ...

    def clear(self) -> None: ...


class InvalidationListener(Background):
    task_name = "cache-invalidations"

    def __init__(self, redis: aioredis.Redis, channel: str, tier: Forgetful):
        self.redis = redis
        self.channel = channel
        self.tier = tier
        # Whether a subscription was made before (then the cluster's layout is read again).
        self._listened = False

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except REDIS_DOWN:
                pass
            except Exception:
                log.exception("invalidation listener failed")
            await asyncio.sleep(RETRY_S)

    async def _listen(self) -> None:
        node = await self._channel_node()
        pubsub = node.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.ssubscribe(self.channel)
            # Anything published while we were not listening is lost: start clean.
            self.tier.clear()
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None and message["type"] in ("smessage", b"smessage"):
                    self.tier.discard(message["data"].decode().split("\n"))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            if node is not self.redis:
                with contextlib.suppress(Exception):
                    await node.aclose()

    async def _channel_node(self) -> aioredis.Redis:
        """The client to subscribe with: on a cluster, one to the master that
        owns the channel's slot, as the cluster says now."""
        cluster = self.redis
        if not isinstance(cluster, RedisCluster):
            return self.redis
        if self._listened:
            await cluster.nodes_manager.initialize()
        await cluster.initialize()
        self._listened = True
        owner = cluster.get_node_from_key(self.channel)
        kwargs = owner.connection_kwargs
        return aioredis.Redis(
            host=owner.host,
            port=owner.port,
            username=kwargs.get("username"),
            password=kwargs.get("password"),
            socket_timeout=None,
            socket_connect_timeout=kwargs.get("socket_connect_timeout"),
            socket_keepalive=True,
            health_check_interval=15,
        )
