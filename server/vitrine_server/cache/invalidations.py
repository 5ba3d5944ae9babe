"""Invalidations announced between processes over Redis pub/sub, for the
in-process tier (cache/local.py).

Every write publishes the keys it deleted; every process listens and drops
them from its own tier. Pub/sub delivers at most once: when the listener's
connection breaks, messages may have been missed, so the tier is cleared
before listening again. While Redis is down nothing is announced, and the
callers' staleness bound is what holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import redis.asyncio as aioredis

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
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            # Anything published while we were not listening is lost: start clean.
            self.tier.clear()
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None and message["type"] == "message":
                    self.tier.discard(message["data"].decode().split("\n"))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
