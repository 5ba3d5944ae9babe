"""Which calls a stopping server still takes, and what the ones it cannot
finish get: UNAVAILABLE (retryable), never CANCELLED.

A stop (app.py) reports NOT_SERVING, serves as usual for the drain period
(balancers and clients watching health move away meanwhile), then closes
this gate: a new call is refused with UNAVAILABLE; an open server stream
(a consumer of triggered alerts) ends with UNAVAILABLE at once, and its
consumer reconnects to another server, losing nothing (what it had not
acknowledged comes again); every other call gets until the grace period
ends, and one still running then is interrupted and ends with UNAVAILABLE
too.

grpcio cannot do this alone: once its server is told to stop, calls that
arrived but were not yet handed to Python are cancelled (CANCELLED, which
clients do not retry). So the gate answers every call that arrives while
the process stops, and the server process exits without grpcio's stop
(workers.py): a call still in flight then sees its connection reset, which
is UNAVAILABLE as well.

A call counts as finished when grpcio reports it done (its status sent),
not when its handler returns, so the process never exits before an answer
left.
"""

from __future__ import annotations

import asyncio
import weakref

import grpc
from google.protobuf.descriptor import MethodDescriptor

from vitrine_server import errors

# Handler tasks this module cancelled: the guard (rpc/handlers.py) answers
# them UNAVAILABLE instead of letting the cancellation through.
_interrupted: weakref.WeakSet[asyncio.Task[object]] = weakref.WeakSet()


def interrupted(task: asyncio.Task[object] | None) -> bool:
    """Whether the gate cut this call short (it must end with UNAVAILABLE)."""
    return task is not None and task in _interrupted


class CallGate:
    """The first call hook of every service: admits calls until `close`, and
    knows the ones running."""

    # Admission only: completion is learnt from grpcio, after the status is sent.
    observes_calls = False

    def __init__(self) -> None:
        self.closed = False
        # Running calls: their handler task, and whether it is a server stream.
        self._running: dict[asyncio.Task[object], bool] = {}
        self._idle = asyncio.Event()
        self.refused = 0

    @property
    def running(self) -> int:
        return len(self._running)

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None:
        if self.closed:
            self.refused += 1
            raise errors.ShuttingDown()
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = method.server_streaming
        # grpc-stubs types the callback as a class of its own, not a callable.
        context.add_done_callback(lambda _call: self._finished(task))  # type: ignore[arg-type]

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None:
        pass

    def _finished(self, task: asyncio.Task[object]) -> None:
        self._running.pop(task, None)
        if not self._running:
            self._idle.set()

    async def close(self, grace: float) -> int:
        """Refuse new calls, end server streams now, give the other calls up
        to `grace` seconds; returns how many had to be interrupted."""
        self.closed = True
        self._idle.clear()
        streams = [task for task, streaming in self._running.items() if streaming]
        for task in streams:
            self._interrupt(task)
        if await self._wait_idle(grace):
            return len(streams)
        late = list(self._running)
        for task in late:
            self._interrupt(task)
        # Their answers (UNAVAILABLE) take a loop turn or two to leave.
        await self._wait_idle(min(1.0, max(grace, 0.1)))
        return len(streams) + len(late)

    def _interrupt(self, task: asyncio.Task[object]) -> None:
        _interrupted.add(task)
        task.cancel()

    async def _wait_idle(self, seconds: float) -> bool:
        if not self._running:
            return True
        try:
            async with asyncio.timeout(seconds):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
