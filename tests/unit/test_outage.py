"""A background loop's failing rounds are logged once per outage."""

from __future__ import annotations

import logging

from vitrine_server import errors
from vitrine_server.background import Outage


def test_an_outage_is_logged_once_then_quietly_then_recovered(caplog):
    caplog.set_level(logging.DEBUG, logger="vitrine.test.outage")
    outage = Outage(logging.getLogger("vitrine.test.outage"), "the loop", (errors.VitrineError,))
    down = errors.Unavailable("PostgreSQL is unavailable", reason="POSTGRES_UNAVAILABLE")
    for _ in range(5):
        outage.failed(down)
    outage.succeeded()
    outage.succeeded()
    levels = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert levels[0] == (
        "WARNING",
        "the loop failed (PostgreSQL is unavailable); retrying quietly until it recovers",
    )
    assert caplog.records[0].exc_info is None, "a known failure needs no traceback"
    assert [lv for lv, _ in levels[1:5]] == ["DEBUG"] * 4
    assert levels[5] == ("INFO", "the loop recovered") and len(levels) == 6
    assert caplog.records[5].failures == 5  # type: ignore[attr-defined]


def test_an_unknown_failure_keeps_its_trace_once(caplog):
    caplog.set_level(logging.INFO, logger="vitrine.test.outage")
    outage = Outage(logging.getLogger("vitrine.test.outage"), "the loop", (errors.VitrineError,))
    for _ in range(3):
        try:
            raise KeyError("a bug")
        except KeyError as err:
            outage.failed(err)
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert caplog.records[0].exc_info is not None
