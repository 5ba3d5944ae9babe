"""Per-key rate limits: GCRA in Redis, one script per call, shared by every
process and instance.

GCRA (the generic cell rate algorithm) keeps one number per key, its
theoretical arrival time (TAT): a key limited to N calls a minute with a
burst of B may call while TAT - now <= (B - 1) * 60/N s, and each call
moves TAT 60/N s on. That is a smooth sliding limit with no window edges
to game, decided atomically in one Lua script (one round trip, on the
pipelined hiredis connection of cache/pipeline.py, so concurrent calls
never wait for each other's replies). Redis' own clock is used, so every
process agrees.

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

import hashlib
import logging
import math
import time

from redis.exceptions import ResponseError

from vitrine_server import errors
from vitrine_server.access.authenticator import Principal
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.pipeline import RedisPipeline
from vitrine_server.cache.redis import REDIS_DOWN

log = logging.getLogger("vitrine.ratelimit")

# How long the limiter leaves Redis alone after a failure.
RETRY_REDIS_S = 1.0

# KEYS[1] = the key's TAT (ms since the epoch, as text);
# ARGV[1] = emission interval ms, ARGV[2] = burst tolerance ms.
# Returns {allowed 0/1, ms to wait, calls left now}.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return {0, math.ceil(wait), 0} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now) + 1)
return {1, 0, math.floor((tolerance - (new_tat - now)) / interval) + 1}
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

    def _params(self, principal: Principal) -> tuple[float, float] | None:
        rpm = principal.requests_per_minute or self.default_rpm
        if rpm <= 0:
            return None
        burst = principal.burst or self.default_burst
        interval = 60_000.0 / rpm
        return interval, max(burst - 1, 0) * interval

    async def acquire(self, principal: Principal, *, write: bool) -> None:
        """Let the call through, or raise ResourceExhausted with when to retry."""
        params = self._params(principal)
        if params is None:
            return
        interval, tolerance = params
        if time.monotonic() >= self._redis_back_at:
            try:
                reply = await self._eval(
                    self.keys.rate_limit(principal.key_id), f"{interval:.6f}", f"{tolerance:.6f}"
                )
            except REDIS_DOWN as err:
                self._redis_failed(err)
            else:
                if self._outage:
                    self._outage = False
                    log.info("rate limits are decided in Redis again")
                if not reply[0]:
                    self._refuse(principal, reply[1])
                return
        if not write:
            self.fail_open_total += 1
            return
        self.local_fallback_total += 1
        wait = self._local.wait_ms(principal.key_id, interval, tolerance)
        if wait > 0:
            self._refuse(principal, wait)

    def _refuse(self, principal: Principal, wait_ms: float) -> None:
        self.limited_total += 1
        rpm = principal.requests_per_minute or self.default_rpm
        raise errors.ResourceExhausted(
            f"rate limit of {rpm} calls a minute exceeded for API key {principal.key_id}; "
            f"retry in {math.ceil(wait_ms)} ms",
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

    async def _eval(self, key: str, interval: str, tolerance: str) -> list[int]:
        try:
            return await self.pipe.call("EVALSHA", _GCRA_SHA, 1, key, interval, tolerance)  # type: ignore[no-any-return]
        except ResponseError as err:
            if not str(err).startswith("NOSCRIPT"):
                raise
            await self.pipe.call("SCRIPT", "LOAD", _GCRA)
            return await self.pipe.call("EVALSHA", _GCRA_SHA, 1, key, interval, tolerance)  # type: ignore[no-any-return]
