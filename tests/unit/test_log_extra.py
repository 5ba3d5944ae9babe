"""No log call may pass a LogRecord attribute as an `extra` field.

The standard library raises KeyError inside the log call for such a key
(`created`, `name`, `msg`, ...), so a careless field crashes the code that
logs, and only when that level is enabled, which tests often leave off:
`extra={"created": n}` once crashed the server at every month rollover.
Two nets: this source check, and SafeLogger (vitrine_server/log.py), which
renames such a field at run time instead of raising.
"""

from __future__ import annotations

import ast
import io
import json
import logging
from pathlib import Path

import pytest
from vitrine_server import log as logsetup

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("server", "bench", "tests", "clients/vitrine_client")
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


def _log_calls_with_extra(tree: ast.AST) -> list[tuple[int, ast.expr]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
        ):
            for kw in node.keywords:
                if kw.arg == "extra":
                    found.append((node.lineno, kw.value))
    return found


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    for line, extra in _log_calls_with_extra(tree):
        where = f"{path.relative_to(ROOT)}:{line}"
        if not isinstance(extra, ast.Dict) or not all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in extra.keys
        ):
            problems.append(f"{where}: pass extra= as a dict literal with constant keys")
            continue
        for k in extra.keys:
            assert isinstance(k, ast.Constant)
            if k.value in logsetup.RESERVED:
                problems.append(f"{where}: extra key {k.value!r} is a LogRecord attribute")
    return problems


def test_no_log_call_passes_a_reserved_extra_key():
    here = Path(__file__).resolve()  # its own examples break the rule on purpose
    files = [p for d in SOURCES for p in sorted((ROOT / d).rglob("*.py")) if p != here]
    assert len(files) > 50, "the source tree was found"
    problems = [p for f in files for p in _problems(f)]
    assert not problems, "\n".join(problems)


def test_the_check_sees_what_it_must_refuse():
    bad = ast.parse(
        "log.info('x', extra={'created': 1})\n"
        "logger.warning('y', extra=fields)\n"
        "log.error('z', extra={'ok': 1})\n"
    )
    calls = _log_calls_with_extra(bad)
    assert [line for line, _ in calls] == [1, 2, 3]
    assert "created" in logsetup.RESERVED and "msg" in logsetup.RESERVED
    assert "ok" not in logsetup.RESERVED


@pytest.mark.parametrize("key", ["created", "name", "msg", "message", "args", "levelname"])
def test_a_reserved_key_is_renamed_not_raised(key: str):
    logger = logging.getLogger(f"vitrine.test.safe.{key}")
    assert isinstance(logger, logsetup.SafeLogger), "every logger is made safe at import"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logsetup.JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info("partitions", extra={key: 3, "retired": []})
    finally:
        logger.removeHandler(handler)
    entry = json.loads(out.getvalue())
    assert entry["msg"] == "partitions"
    assert entry[f"{key}_"] == 3 and entry["retired"] == []
