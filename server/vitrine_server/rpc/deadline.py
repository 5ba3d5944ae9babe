"""The caller's deadline, carried in a contextvar from the RPC layer to the stores.

Every store call derives its timeout from it, so no query outlives the RPC
that asked for it.
"""

from __future__ import annotations

import contextvars
import time

from vitrine_server.errors import DeadlineExceeded

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
