"""A coroutine that runs beside the server, from start() until close(), and
how such a loop reports its failures (Outage)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time


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
