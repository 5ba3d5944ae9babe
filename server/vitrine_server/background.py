"""A coroutine that runs beside the server, from start() until close()."""

from __future__ import annotations

import asyncio
import contextlib


class Background:
    """Subclasses implement `_run`, a loop that never returns on its own."""

    task_name = "background"
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
