"""A start that fails half way closes what it opened, in reverse order, and
the stop after it copes (app.py's AsyncExitStack)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from vitrine_server.app import VitrineServer
from vitrine_server.config import ConfigError
from vitrine_server.metrics.endpoint import MetricsEndpoint
from vitrine_server.metrics.process import ProcessMetrics


async def test_a_start_failing_at_its_end_closes_everything_it_opened(env) -> None:
    taken = MetricsEndpoint(ProcessMetrics().registry, "127.0.0.1", 0)
    try:
        settings = dataclasses.replace(
            env.settings, metrics_port=taken.port, metrics_host="127.0.0.1"
        )
        server = VitrineServer(settings)
        # The metrics endpoint is the last thing a start opens: everything
        # else (pool, Redis, loops, the health task) was running by then.
        with pytest.raises(ConfigError, match="cannot serve metrics"):
            await server.start()
        pool = server.db.pool
        assert pool.is_closing()
        assert not [name for name, running in server._loops() if running]
        assert server.port > 0
        with pytest.raises(OSError):  # the gRPC port it had bound is closed again
            await asyncio.open_connection("127.0.0.1", server.port)
        await server.stop(grace=0.5, drain=0)  # after a failed start: nothing left to do
    finally:
        taken.close()


async def test_a_start_failing_at_its_beginning_stops_cleanly(env, tmp_path) -> None:
    settings = dataclasses.replace(
        env.settings, tls_cert=str(tmp_path / "missing.pem"), tls_key=str(tmp_path / "k.pem")
    )
    server = VitrineServer(settings)
    with pytest.raises(ConfigError):
        await server.start()
    assert server.components is None
    await server.stop(grace=0.5, drain=0)
