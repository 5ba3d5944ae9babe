"""A coroutine that runs beside the server, from start() until close(), and
how such a loop reports its failures (Outage)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Future[Any]) -> None:
    """Cancel `tasks` and wait until they end. A cancellation of the caller
    itself still goes through: `suppress(CancelledError)` around the await
    would swallow it too, and a bounded stop (app.py) would then wait on.
    """
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise


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
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError


class Outage:
    """How a background loop reports failing rounds: once per outage, not
    once per round. The first failure is a warning (with its trace only when
    it is not a known store failure, i.e. when it may be a bug), the rounds
    after it are debug, and the first round that succeeds again says it
    recovered. A loop retrying every 2 s while PostgreSQL hangs would
    otherwise write a traceback every 2 s per process."""

    def __init__(self, log: logging.Logger, what: str, known: tuple[type[BaseException], ...]):
        self.log = log
        self.what = what
        self.known = known
        self.since: float | None = None
        self.failures = 0

    def failed(self, err: BaseException) -> None:
        self.failures += 1
        if self.since is not None:
            self.log.debug("%s failed again: %s", self.what, err)
            return
        self.since = time.monotonic()
        if isinstance(err, self.known):
            self.log.warning("%s failed (%s); retrying quietly until it recovers", self.what, err)
        else:
            self.log.error("%s failed; retrying quietly until it recovers", self.what, exc_info=err)

    def succeeded(self) -> None:
        if self.since is None:
            return
        self.log.info(
            "%s recovered",
            self.what,
            extra={"outage_s": round(time.monotonic() - self.since, 1), "failures": self.failures},
        )
        self.since, self.failures = None, 0
