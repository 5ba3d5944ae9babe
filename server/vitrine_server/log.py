"""Structured logs: one JSON object a line (or plain text for humans).

Fields travel as `extra=`. The standard library refuses (KeyError, raised
inside the log call, so in the code that logs) an `extra` key that names a
LogRecord attribute such as `created`, `name` or `msg`: one careless field
once crashed the server at start. `SafeLogger`, installed for every logger
when the package is imported, keeps such a field under its name with a
trailing underscore instead; tests/unit/test_log_extra.py refuses them in
the source, so the rename is only a safety net.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

# Every attribute a LogRecord has, and the two the formatters add.
RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class SafeLogger(logging.Logger):
    """A Logger whose `extra` can never make the log call raise."""

    def makeRecord(  # the standard library's name
        self,
        name: str,
        level: int,
        fn: str,
        lno: int,
        msg: object,
        args: Any,
        exc_info: Any,
        func: str | None = None,
        extra: Mapping[str, object] | None = None,
        sinfo: str | None = None,
    ) -> logging.LogRecord:
        if extra is not None and not RESERVED.isdisjoint(extra):
            extra = {(f"{k}_" if k in RESERVED else k): v for k, v in extra.items()}
        return super().makeRecord(name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)


def install() -> None:
    """Make every logger created from now on a SafeLogger (the package's
    __init__ calls this before any module asks for its logger)."""
    if not issubclass(logging.getLoggerClass(), SafeLogger):
        logging.setLoggerClass(SafeLogger)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": os.getpid(),
        }
        # Anything passed as `extra=` becomes a field of its own (None: left out).
        for key, value in vars(record).items():
            if key not in RESERVED and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class Throttled:
    """A log line at most once per `interval` seconds; the lines held back
    meanwhile are counted in the next one. For events a caller can cause at
    will (malformed requests), so no client can flood the log."""

    def __init__(self, logger: logging.Logger, interval: float = 10.0):
        self.logger = logger
        self.interval = interval
        self._next = 0.0
        self._held = 0

    def warning(self, msg: str, *args: Any) -> None:
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return
        held, self._held = self._held, 0
        self._next = now + self.interval
        if held:
            msg += " (and %d more like it since the last such line, not logged)"
            args = (*args, held)
        self.logger.warning(msg, *args)
