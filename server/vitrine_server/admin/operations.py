"""Long-running operations (AIP-151): a row in `operations`, and a task in
the serving process that does the work and reports progress to the row.

The row is the truth, so GetOperation answers from any worker process or
instance. At most one operation of a kind runs at a time (a partial unique
index). A running operation's heartbeat moves `updated_at`; one whose
heartbeat stopped for STALE_S (its server died) is closed as ABORTED when
the next of its kind starts, and a server that stops closes its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from vitrine_server import errors
from vitrine_server.admin import store
from vitrine_server.background import cancel_and_wait
from vitrine_server.db.database import Database
from vitrine_server.rpc import deadline

log = logging.getLogger("vitrine.operations")

HEARTBEAT_S = 5.0
STALE_S = 60.0
# Progress reaches the row at most this often (and always at the end).
PROGRESS_EVERY_S = 0.5
# Waits between attempts to record an operation's end (then it is left for
# close_abandoned, which only runs once its heartbeat is STALE_S old).
RECORD_RETRIES_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

Progress = Callable[[int, int], Awaitable[None]]
# The work: reports (processed, total) as it goes, returns the number of items done.
Work = Callable[[Progress], Awaitable[int]]


class Operations:
    def __init__(self, db: Database):
        self.db = db
        self._running: dict[str, asyncio.Task[None]] = {}
        self._closing = False

    async def start(self, kind: str, work: Work) -> Any:
        """Start `work` as an operation of `kind`. ALREADY_EXISTS while one runs.

        The operation runs outside the caller's context: neither its deadline
        nor its going away stops it (a caller that gives up before the row is
        written gets DEADLINE_EXCEEDED; the operation starts regardless, and a
        retry names it in ALREADY_EXISTS). Its row, as it started."""
        op_id = secrets.token_hex(8)
        created: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Retrieved even when no caller is left to see it.
        created.add_done_callback(lambda f: f.cancelled() or f.exception())
        task = deadline.detached(self._run(op_id, kind, work, created), name=f"op-{kind}")
        self._running[op_id] = task
        task.add_done_callback(lambda _: self._running.pop(op_id, None))
        return await deadline.shared(created)

    async def get(self, op_id: str) -> Any:
        row = await store.get_operation(self.db, op_id)
        if row is None:
            raise errors.NotFound("operation", f"operations/{op_id}")
        return row

    async def _run(
        self,
        op_id: str,
        kind: str,
        work: Work,
        created: asyncio.Future[Any],
    ) -> None:
        try:
            await store.close_abandoned(self.db, kind, STALE_S)
            row = await store.start_operation(self.db, op_id, kind)
            if row is None:
                running = await store.running_operation(self.db, kind)
                raise errors.AlreadyExists(
                    "operation",
                    f"operations/{running}",
                    f"a {kind} operation is already running: operations/{running}",
                )
        except Exception as err:
            created.set_exception(err)
            return
        except asyncio.CancelledError:
            created.set_exception(
                errors.Unavailable("the server is shutting down", reason="SHUTTING_DOWN")
            )
            raise
        created.set_result(row)
        log.info("operation started", extra={"operation": op_id, "kind": kind})

        state = {"processed": 0, "total": 0, "written": 0.0}

        async def progress(processed: int, total: int) -> None:
            state["processed"], state["total"] = processed, total
            if time.monotonic() - state["written"] >= PROGRESS_EVERY_S:
                await self._write_progress(op_id, state)

        heartbeat = asyncio.create_task(self._heartbeat(op_id, state))
        code, text, result = None, None, None
        try:
            done = await work(progress)
            result = {"indexed": done}
            state["processed"] = done
        except asyncio.CancelledError:
            code, text = grpc.StatusCode.ABORTED, "stopped: the server shut down"
        except errors.VitrineError as err:
            code, text = err.code, err.message
        except Exception:
            log.exception("operation %s failed", op_id)
            code, text = grpc.StatusCode.INTERNAL, "internal error (see the server's log)"
        finally:
            heartbeat.cancel()
        await self._record_end(op_id, state, result, code, text)

    async def _record_end(
        self,
        op_id: str,
        state: dict[str, Any],
        result: dict[str, Any] | None,
        code: grpc.StatusCode | None,
        text: str | None,
    ) -> None:
        """Close the row; while PostgreSQL cannot take it, keep trying (the
        row is what every caller sees). A server stopping meanwhile leaves it
        to the next start of its kind, which closes it as abandoned."""
        for wait in RECORD_RETRIES_S:
            try:
                await store.finish_operation(
                    self.db,
                    op_id,
                    int(state["processed"]),
                    result,
                    code.value[0] if code else None,
                    text,
                )
            except errors.VitrineError as err:
                if self._closing:
                    break
                log.warning(
                    "could not record the end of operation %s (%s); retrying in %.1f s",
                    op_id,
                    err.message,
                    wait,
                )
                await asyncio.sleep(wait)
            else:
                log.info("operation finished", extra={"operation": op_id, "error": text})
                return
        log.error(
            "could not record the end of operation %s: it is closed as abandoned "
            "once its heartbeat is %.0f s old",
            op_id,
            STALE_S,
        )

    async def _write_progress(self, op_id: str, state: dict[str, Any]) -> None:
        state["written"] = time.monotonic()
        # PostgreSQL busy or away: the next report (or the end) catches up.
        with contextlib.suppress(errors.VitrineError):
            await store.report_progress(self.db, op_id, state["processed"], state["total"])

    async def _heartbeat(self, op_id: str, state: dict[str, Any]) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await self._write_progress(op_id, state)

    async def close(self) -> None:
        """Stop this process's operations; each records itself as aborted
        (when PostgreSQL takes it: a stop is bounded, see app.py)."""
        self._closing = True
        await cancel_and_wait(*self._running.values())
