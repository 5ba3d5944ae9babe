"""The caller's deadline, carried in a contextvar from the RPC layer to the stores.

Every store call derives its timeout from it, so no query outlives the RPC
that asked for it.

Work shared by several callers (one key check, one query for many reads, one
rate-limit ask) or outliving its caller (a long-running operation) belongs
to none of them: it runs with `detached`, in a context of its own, so no
caller's deadline, and no caller's cancellation, reaches it; each caller
waits for it with `shared`, bounded by its own deadline only. Otherwise the
first caller's deadline would fail every caller that joined it.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from vitrine_server.errors import DeadlineExceeded

T = TypeVar("T")

# Absolute time.monotonic() by which the current call must finish, or None.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "vitrine_deadline", default=None
)


def set_remaining(seconds: float | None) -> None:
    _deadline.set(None if seconds is None else time.monotonic() + seconds)


def remaining() -> float | None:
    """Seconds the caller has left, or None when it sent no deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0.001:
        raise DeadlineExceeded()
    return left


def expired(margin: float = 0.05) -> bool:
    """Whether the caller's deadline has passed (within `margin` seconds): a
    timeout that fires then is the caller's, any earlier one the service's own."""
    deadline = _deadline.get()
    return deadline is not None and deadline - time.monotonic() <= margin


def timeout(default: float) -> float:
    """Seconds the next store call may take: the time the caller has left,
    capped by `default`. Raises DeadlineExceeded when none is left."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    remaining = deadline - time.monotonic()
    if remaining <= 0.001:
        raise DeadlineExceeded()
    return min(remaining, default)


def detached(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    """Run `coro` as work of its own: in an empty context (no caller's
    deadline or other per-call state), not cancelled with any caller. Its
    store calls get the default statement timeout."""
    return asyncio.get_running_loop().create_task(coro, name=name, context=contextvars.Context())


async def shared(work: Awaitable[T]) -> T:
    """Wait for work shared with others, for as long as this caller's
    deadline allows: giving up (DeadlineExceeded) or being cancelled leaves
    the work running for the others."""
    left = remaining()
    if left is None:
        return await asyncio.shield(work)
    try:
        async with asyncio.timeout(left) as scope:
            return await asyncio.shield(work)
    except TimeoutError:
        if scope.expired():
            raise DeadlineExceeded() from None
        raise
