"""The real command: N worker processes on one port, drained on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_client import aio_connect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_two_workers_serve_one_port_and_stop_on_sigterm(env):
    port = _free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": env.settings.database_url,
        "REDIS_URL": env.settings.redis_url,
        "VITRINE_REDIS_PREFIX": env.settings.redis_prefix,
        "VITRINE_LOG_FORMAT": "json",
        "VITRINE_BOOTSTRAP_ADMIN_KEY": env.settings.bootstrap_admin_key,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vitrine_server",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--migrate",
        env=environ,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        key = env.settings.bootstrap_admin_key
        async with aio_connect(f"127.0.0.1:{port}", api_key=key) as vitrine:
            for _ in range(300):  # spawn + imports: slow on a busy machine
                try:
                    await vitrine.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=1)
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            # Separate connections land on both workers; every call succeeds.
            channels = [
                aio_connect(
                    f"127.0.0.1:{port}",
                    options=[("grpc.use_local_subchannel_pool", 1)],
                    api_key=key,
                )
                for _ in range(6)
            ]
            for c in channels:
                await c.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=5)
                await c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    log = stderr.decode()
    assert proc.returncode == 0, log[-2000:]
    assert log.count('"worker ready"') == 2
    assert '"all workers stopped"' in log
