"""The start-up check of PostgreSQL's settings (db/server_settings.py)."""

from __future__ import annotations

import logging

import asyncpg
from vitrine_server.db import server_settings


async def test_autovacuum_off_is_a_warning_and_on_is_none(database_url) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        off = await conn.fetchval("SELECT current_setting('autovacuum') <> 'on'")
        found = await server_settings.warnings(conn)
    finally:
        await conn.close()
    assert (server_settings.AUTOVACUUM_OFF in found) == off


async def test_the_warnings_are_logged_and_an_absent_server_is_skipped(
    database_url, caplog
) -> None:
    log = logging.getLogger("vitrine.test")
    with caplog.at_level(logging.WARNING, logger="vitrine.test"):
        await server_settings.log_warnings(database_url, log)
        # Nothing listens on port 1: no warning, no error.
        await server_settings.log_warnings("postgresql://postgres@127.0.0.1:1/none", log)
    conn = await asyncpg.connect(database_url)
    try:
        expected = await server_settings.warnings(conn)
    finally:
        await conn.close()
    assert [r.getMessage() for r in caplog.records] == expected
