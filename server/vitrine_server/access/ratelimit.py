"""Per-key rate limits: GCRA in Redis, shared by every process and instance.

GCRA (the generic cell rate algorithm) keeps one number per key, its
theoretical arrival time (TAT): a key limited to N calls a minute with a
burst of B may call while TAT - now <= (B - 1) * 60/N s, and each call
moves TAT 60/N s on. That is a smooth sliding limit with no window edges
to game, decided atomically by one Lua script on the pipelined hiredis
connection of cache/pipeline.py, with Redis' clock, so every process agrees.

A Redis round trip per call would cost about a fifth of this server's
throughput (measured: one script per call took a worker from ~180 to ~215
µs of CPU per call), so the script decides calls in bulk:
- the calls of a key waiting for Redis share one script run, which asks for
  all of them at once (the first ones asking get the room there is);
- a busy key's process also asks for what it will likely need in the next
  LEASE_S (its recent rate, at most a tenth of the key's burst and
  MAX_AHEAD): calls within that lease are decided in process, with no await.
  Calls taken ahead and not used are lost when the lease ends: a key that
  stops abruptly may get a little less than its limit, never more;
- a refused key is refused in process until the time Redis said to wait
  (its TAT only ever moves forward, so nothing could be allowed earlier).
A key calling slower than once per lease asks Redis on every call: exact.

Redis down: the limiter stops asking it for a second at a time (no call
waits for a timeout), logs once per outage, and counts `fail_open_total`.
Reads are let through. Writes (write, ingest and admin methods) fall back
to the same algorithm in this process's memory, so they stay bounded by the
key's limit per process instead of failing: writes go to PostgreSQL, which
does not depend on Redis, and the cache's design keeps writes working while
Redis is down (docs/operations.md, "Caching"); only the bound loosens, to N x the
limit with N server processes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from redis.exceptions import ResponseError

from vitrine_server import errors
from vitrine_server.access.authenticator import Principal
from vitrine_server.cache.keys import Keys
from vitrine_server.cache.pipeline import Pipe
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.cache.scripts import script
from vitrine_server.rpc import deadline

log = logging.getLogger("vitrine.ratelimit")

# How long the limiter leaves Redis alone after a failure.
RETRY_REDIS_S = 1.0
# How long calls taken ahead may be spent in process, and at most how many.
LEASE_S = 0.1
MAX_AHEAD = 1000

# GCRA, decided in Redis for the calls of one key asking at once.
_GCRA = script("rate_limit")


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
    # Calls a process may take ahead for a lease.
    max_ahead: int


# A waiter's answer: (allowed, ms to wait when not).
_Decision = tuple[bool, float]
_ALLOWED: _Decision = (True, 0.0)


@dataclass(slots=True)
class _KeyState:
    """One key in this process: its lease, refusal, and the Redis ask in flight."""

    limit: _Limit
    lease: int = 0
    lease_until: float = 0.0
    blocked_until: float = 0.0
    # Calls waiting for Redis; the ask in flight answers the first `asking`.
    waiters: list[asyncio.Future[_Decision]] | None = None
    # Calls since the last ask, for the rate that sizes the next lease.
    counted: int = 0
    counted_since: float = 0.0


class RateLimiter:
    def __init__(
        self,
        pipe: Pipe,
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
        # Script runs in Redis (each decides one or more calls).
        self.redis_asks_total = 0
        self._redis_back_at = 0.0
        self._outage = False
        self._local = _LocalGcra()
        # key id -> its state (None: unlimited). A key's limit never changes
        # (keys are not updated, only revoked).
        self._states: dict[str, _KeyState | None] = {}
        # Asks in flight (the loop holds tasks only weakly).
        self._asks: set[asyncio.Task[None]] = set()

    def _state(self, principal: Principal) -> _KeyState | None:
        rpm = principal.requests_per_minute or self.default_rpm
        state = None
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
                min(MAX_AHEAD, burst // 10),
            )
            state = _KeyState(limit, counted_since=time.monotonic())
        if len(self._states) > 100_000:
            self._states = {k: v for k, v in self._states.items() if v and v.waiters}
        self._states[principal.key_id] = state
        return state

    async def acquire(self, principal: Principal, *, write: bool) -> None:
        """Let the call through, or raise ResourceExhausted with when to retry."""
        try:
            state = self._states[principal.key_id]
        except KeyError:
            state = self._state(principal)
        if state is None:
            return
        now = time.monotonic()
        state.counted += 1
        if state.lease > 0 and now < state.lease_until:
            state.lease -= 1
            return
        if now < state.blocked_until:
            self._refuse(principal, state.limit, (state.blocked_until - now) * 1000)
        if now >= self._redis_back_at and await self._ask_redis(principal, state):
            return
        self._fall_back(principal, state, write=write)

    async def _ask_redis(self, principal: Principal, state: _KeyState) -> bool:
        """Have Redis decide (with the key's other waiting calls); False when
        it could not (it is down)."""
        waiter: asyncio.Future[_Decision] = asyncio.get_running_loop().create_future()
        if state.waiters is None:
            state.waiters = [waiter]
            # Runs once the calls already scheduled in this turn have joined.
            self._start_ask(state)
        else:
            state.waiters.append(waiter)
        try:
            allowed, wait_ms = await waiter
        except REDIS_DOWN as err:
            self._redis_failed(err)
            return False
        if not allowed:
            self._refuse(principal, state.limit, wait_ms)
        return True

    def _fall_back(self, principal: Principal, state: _KeyState, *, write: bool) -> None:
        """Redis down: reads go through, writes are limited in this process."""
        if not write:
            self.fail_open_total += 1
            return
        self.local_fallback_total += 1
        limit = state.limit
        wait = self._local.wait_ms(limit.key, limit.interval, limit.tolerance)
        if wait > 0:
            self._refuse(principal, limit, wait)

    def _start_ask(self, state: _KeyState) -> None:
        # The ask decides for every waiting call: none's deadline applies.
        task = deadline.detached(self._ask(state), name="rate-limit-ask")
        self._asks.add(task)
        task.add_done_callback(self._asks.discard)

    async def _ask(self, state: _KeyState) -> None:
        """Ask Redis for the waiting calls (and a lease ahead), then answer them."""
        assert state.waiters is not None
        asking = len(state.waiters)
        now = time.monotonic()
        rate = state.counted / max(now - state.counted_since, 1e-3)
        state.counted, state.counted_since = 0, now
        ahead = min(state.limit.max_ahead, int(rate * LEASE_S))
        self.redis_asks_total += 1
        try:
            reply = await self._eval(state.limit.key, *state.limit.args, asking + ahead)
        except Exception as err:  # every waiter sees it (Redis down: they fall back)
            waiters, state.waiters = state.waiters, None
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(err)
            return
        if self._outage:
            self._outage = False
            log.info("rate limits are decided in Redis again")
        granted, wait_ms = int(reply[0]), float(reply[1])
        now = time.monotonic()
        waiters, state.waiters = state.waiters, None
        refused: _Decision = (False, wait_ms)
        for i, waiter in enumerate(waiters[:asking]):
            if not waiter.done():  # a caller cancelled meanwhile: its share is spent
                waiter.set_result(_ALLOWED if i < granted else refused)
        if granted > asking:
            state.lease, state.lease_until = granted - asking, now + LEASE_S
        elif granted < asking:
            state.lease, state.blocked_until = 0, now + wait_ms / 1000
        self._answer_late(state, waiters[asking:], now)

    def _answer_late(
        self, state: _KeyState, late: list[asyncio.Future[_Decision]], now: float
    ) -> None:
        """Calls that arrived while the ask was in flight: the lease, the
        refusal, or another ask."""
        for i, waiter in enumerate(late):
            if waiter.done():
                continue
            if state.lease > 0:
                state.lease -= 1
                waiter.set_result(_ALLOWED)
            elif now < state.blocked_until:
                waiter.set_result((False, (state.blocked_until - now) * 1000))
            else:
                state.waiters = late[i:]
                self._start_ask(state)
                break

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
            return await self.pipe.call("EVALSHA", _GCRA.sha, *args)  # type: ignore[no-any-return]
        except ResponseError as err:
            if not str(err).startswith("NOSCRIPT"):
                raise
            await self.pipe.call("SCRIPT", "LOAD", _GCRA.source)
            return await self.pipe.call("EVALSHA", _GCRA.sha, *args)  # type: ignore[no-any-return]
