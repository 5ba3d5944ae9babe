"""Shared work runs outside every caller's context; each caller waits for it
within its own deadline."""

from __future__ import annotations

import asyncio

import pytest
from vitrine_server.errors import DeadlineExceeded
from vitrine_server.rpc import deadline


async def test_detached_work_sees_no_caller_deadline():
    async def work() -> float | None:
        return deadline.remaining()

    async def caller() -> float | None:
        deadline.set_remaining(0.5)
        return await deadline.detached(work())

    assert await asyncio.create_task(caller()) is None


async def test_a_caller_that_gives_up_leaves_the_work_running_for_the_others():
    release = asyncio.Event()

    async def work() -> str:
        await release.wait()
        return "done"

    task = deadline.detached(work())

    async def caller(seconds: float) -> str:
        deadline.set_remaining(seconds)
        return await deadline.shared(task)

    short = asyncio.create_task(caller(0.05))
    patient = asyncio.create_task(caller(5))
    cancelled = asyncio.create_task(caller(5))
    with pytest.raises(DeadlineExceeded):
        await short
    cancelled.cancel()
    await asyncio.sleep(0.01)
    assert not task.done()
    release.set()
    assert await patient == "done"


async def test_the_work_s_own_timeout_is_not_the_caller_s_deadline():
    async def work() -> None:
        raise TimeoutError("the work's own")

    deadline.set_remaining(5)
    try:
        with pytest.raises(TimeoutError, match="the work's own"):
            await deadline.shared(deadline.detached(work()))
    finally:
        deadline.set_remaining(None)
