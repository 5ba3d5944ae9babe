"""Per-key rate limits: GCRA in Redis, shared by every process and instance.

GCRA (the generic cell rate algorithm) keeps one number per key, its
theoretical arrival time (TAT): a key limited to N calls a minute with a
burst of B may call while TAT - now <= (B - 1) * 60/N s, and each call
moves TAT 60/N s on. That is a smooth sliding limit with no window edges
to game, decided atomically in one Lua script, on the pipelined hiredis
connection of cache/pipeline.py. Calls of one key that arrive in the same
turn of the event loop share one script run that asks for all of them at
once (the first ones asking get the room there is): under load, one round
trip decides many calls, and a call costs a future, not a Redis command.
Redis' own clock is used, so every process agrees.

Redis down: the limiter stops asking it for a second at a time (no call
waits for a timeout), logs once per outage, and counts `fail_open_total`.
Reads are let through. Writes (write, ingest and admin methods) fall back
to the same algorithm in this process's memory, so they stay bounded by the
key's limit per process instead of failing: writes go to PostgreSQL, which
does not depend on Redis, and the cache's design keeps writes working while
Redis is down (README, "Caching"); only the bound loosens, to N x the
limit with N server processes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from redis.exceptions import ResponseError

from vitrine_server import errors
from vitrine_server.access.authenticator import Principal
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.pipeline import RedisPipeline
from vitrine_server.cache.redis import REDIS_DOWN

log = logging.getLogger("vitrine.ratelimit")

# How long the limiter leaves Redis alone after a failure.
RETRY_REDIS_S = 1.0

# KEYS[1] = the key's TAT (ms since the epoch, as text); ARGV[1] = emission
# interval ms, ARGV[2] = burst tolerance ms, ARGV[3] = calls asking at once.
# Returns {calls allowed (the first ones asking), ms until one more would be}.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local room = math.floor((tolerance - (tat - now)) / interval + 1e-9) + 1
local allowed = math.max(0, math.min(tonumber(ARGV[3]), room))
if allowed > 0 then
  tat = tat + allowed * interval
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
end
return {allowed, math.ceil(math.max(tat - tolerance - now, 0))}
"""
_GCRA_SHA = hashlib.sha1(_GCRA.encode()).hexdigest()


class _LocalGcra:
    """The same algorithm in this process's memory (the fallback for writes)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    def wait_ms(self, key: str, interval: float, tolerance: float) -> float:
        now = time.monotonic() * 1000
        tat = max(self._tat.get(key, now), now)
        wait = tat - tolerance - now
        if wait > 0:
            return wait
        self._tat[key] = tat + interval
        if len(self._tat) > 100_000:  # keys idle for long are at `now` anyway
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        return 0.0


@dataclass(frozen=True, slots=True)
class _Limit:
    """A key's limit, as the script takes it (computed once per key)."""

    key: str
    interval: float
    tolerance: float
    args: tuple[str, str]
    per_minute: int


class _Batch:
    """Calls of one key in one turn of the event loop, decided together."""

    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: list[asyncio.Future[tuple[int, int]]] = []


class RateLimiter:
    def __init__(
        self,
        pipe: RedisPipeline,
        keys: Keys,
        *,
        requests_per_minute: int,
        burst: int,
    ):
        self.pipe = pipe
        self.keys = keys
        self.default_rpm = requests_per_minute
        self.default_burst = burst
        # Counters for metrics: calls let through undecided because Redis was
        # unreachable, writes decided in process instead, and refusals.
        self.fail_open_total = 0
        self.local_fallback_total = 0
        self.limited_total = 0
        self._redis_back_at = 0.0
        self._outage = False
        self._local = _LocalGcra()
        # A key's limit never changes (keys are not updated, only revoked).
        self._limits: dict[str, _Limit | None] = {}
        self._batches: dict[str, _Batch] = {}

    def _limit(self, principal: Principal) -> _Limit | None:
        rpm = principal.requests_per_minute or self.default_rpm
        limit = None
        if rpm > 0:
            burst = principal.burst or self.default_burst
            interval = 60_000.0 / rpm
            tolerance = max(burst - 1, 0) * interval
            limit = _Limit(
                self.keys.rate_limit(principal.key_id),
                interval,
                tolerance,
                (f"{interval:.6f}", f"{tolerance:.6f}"),
                rpm,
            )
        if len(self._limits) > 100_000:
            self._limits.clear()
        self._limits[principal.key_id] = limit
        return limit

    async def acquire(self, principal: Principal, *, write: bool) -> None:
        """Let the call through, or raise ResourceExhausted with when to retry."""
        try:
            limit = self._limits[principal.key_id]
        except KeyError:
            limit = self._limit(principal)
        if limit is None:
            return
        if time.monotonic() >= self._redis_back_at:
            batch = self._batches.get(limit.key)
            if batch is None:
                batch = self._batches[limit.key] = _Batch()
                # Runs once the calls already scheduled in this turn have joined.
                asyncio.get_running_loop().create_task(self._decide(limit, batch))
            waiter: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
            position = len(batch.waiters)
            batch.waiters.append(waiter)
            try:
                allowed, wait_ms = await waiter
            except REDIS_DOWN as err:
                self._redis_failed(err)
            else:
                if position >= allowed:
                    self._refuse(principal, limit, wait_ms)
                return
        if not write:
            self.fail_open_total += 1
            return
        self.local_fallback_total += 1
        wait = self._local.wait_ms(limit.key, limit.interval, limit.tolerance)
        if wait > 0:
            self._refuse(principal, limit, wait)

    async def _decide(self, limit: _Limit, batch: _Batch) -> None:
        del self._batches[limit.key]  # later calls start the next batch
        try:
            reply = await self._eval(limit.key, *limit.args, len(batch.waiters))
        except Exception as err:  # every waiter sees it (Redis down: they fall back)
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_exception(err)
            return
        if self._outage:
            self._outage = False
            log.info("rate limits are decided in Redis again")
        result = (int(reply[0]), int(reply[1]))
        for waiter in batch.waiters:
            if not waiter.done():  # a caller cancelled meanwhile: its share is spent
                waiter.set_result(result)

    def _refuse(self, principal: Principal, limit: _Limit, wait_ms: float) -> None:
        self.limited_total += 1
        raise errors.ResourceExhausted(
            f"rate limit of {limit.per_minute} calls a minute exceeded for API key "
            f"{principal.key_id}; retry in {math.ceil(wait_ms)} ms",
            reason="RATE_LIMITED",
            retry_after=wait_ms / 1000,
            subject=f"api_key:{principal.key_id}",
        )

    def _redis_failed(self, err: BaseException) -> None:
        self._redis_back_at = time.monotonic() + RETRY_REDIS_S
        if not self._outage:
            self._outage = True
            log.warning(
                "Redis unreachable (%s): rate limits fail open for reads, and writes are "
                "limited per process, until it is back",
                err,
            )

    async def _eval(self, key: str, interval: str, tolerance: str, asked: int) -> list[int]:
        args = (1, key, interval, tolerance, asked)
        try:
            return await self.pipe.call("EVALSHA", _GCRA_SHA, *args)  # type: ignore[no-any-return]
        except ResponseError as err:
            if not str(err).startswith("NOSCRIPT"):
                raise
            await self.pipe.call("SCRIPT", "LOAD", _GCRA)
            return await self.pipe.call("EVALSHA", _GCRA_SHA, *args)  # type: ignore[no-any-return]
