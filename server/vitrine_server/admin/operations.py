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
import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import any_pb2, message, timestamp_pb2
from vitrine.admin.v1 import operation_pb2

from vitrine_server import errors
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

log = logging.getLogger("vitrine.operations")

Q = load_queries(__package__, "operations.sql")

HEARTBEAT_S = 5.0
STALE_S = 60.0
# Progress reaches the row at most this often (and always at the end).
PROGRESS_EVERY_S = 0.5
_NAME = re.compile(r"^operations/([0-9a-f]{16})$")

Progress = Callable[[int, int], Awaitable[None]]
# The work: reports (processed, total) as it goes, returns the number of items done.
Work = Callable[[Progress], Awaitable[int]]


def _ts(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def _any(msg: message.Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(msg)
    return packed


def to_proto(r: Any) -> operation_pb2.Operation:
    op = operation_pb2.Operation(
        name=f"operations/{r['id']}",
        kind=r["kind"],
        done=r["done"],
        metadata=_any(
            operation_pb2.ReindexSearchMetadata(processed=r["processed"], total=r["total"])
        ),
        create_time=_ts(r["created_at"]),
        update_time=_ts(r["updated_at"]),
        end_time=_ts(r["finished_at"]),
    )
    if r["error_code"] is not None:
        op.error.code = r["error_code"]
        op.error.message = r["error_message"] or ""
    elif r["done"]:
        result = r["result"] or {}
        op.response.CopyFrom(
            _any(operation_pb2.ReindexSearchResult(indexed=result.get("indexed", 0)))
        )
    return op


class Operations:
    def __init__(self, db: Database):
        self.db = db
        self._running: dict[str, asyncio.Task[None]] = {}

    async def start(self, kind: str, work: Work) -> operation_pb2.Operation:
        """Start `work` as an operation of `kind`. ALREADY_EXISTS while one runs."""
        await self.db.fetchval(Q.close_abandoned, kind, STALE_S)
        op_id = secrets.token_hex(8)
        row = await self.db.fetchrow(Q.start_operation, op_id, kind)
        if row is None:
            running = await self.db.fetchval(Q.running_operation, kind)
            raise errors.AlreadyExists(
                "operation",
                f"operations/{running}",
                f"a {kind} operation is already running: operations/{running}",
            )
        self._running[op_id] = asyncio.create_task(self._run(op_id, work), name=f"op-{kind}")
        log.info("operation started", extra={"operation": op_id, "kind": kind})
        return to_proto(row)

    async def get(self, name: str) -> operation_pb2.Operation:
        m = _NAME.match(name)
        if m is None:
            raise errors.InvalidArgument(
                [errors.FieldViolation("name", "must look like operations/<16 hex digits>")]
            )
        row = await self.db.fetchrow(Q.get_operation, m[1])
        if row is None:
            raise errors.NotFound("operation", name)
        return to_proto(row)

    async def _run(self, op_id: str, work: Work) -> None:
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
            self._running.pop(op_id, None)
        try:
            await self.db.fetchval(
                Q.finish_operation,
                op_id,
                int(state["processed"]),
                result,
                code.value[0] if code else None,
                text,
            )
        except Exception:
            log.exception("could not record the end of operation %s", op_id)
        log.info("operation finished", extra={"operation": op_id, "error": text})

    async def _write_progress(self, op_id: str, state: dict[str, Any]) -> None:
        state["written"] = time.monotonic()
        try:
            await self.db.fetchval(Q.report_progress, op_id, state["processed"], state["total"])
        except errors.VitrineError:
            pass  # PostgreSQL busy or away: the next report (or the end) catches up

    async def _heartbeat(self, op_id: str, state: dict[str, Any]) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await self._write_progress(op_id, state)

    async def close(self) -> None:
        """Stop this process's operations; each records itself as aborted."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
