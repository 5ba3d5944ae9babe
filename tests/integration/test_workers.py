"""The real command: N worker processes on one port, drained on SIGTERM;
with TLS and metrics aggregated over the workers by the supervisor."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_client import aio_connect, tls_credentials
from vitrine_server.config import Settings

from tests.pki import make_pki
from tests.prom import scrape, value

CATALOG = "vitrine.catalog.v1.CatalogService"


def _workers_of(supervisor: int) -> list[int]:
    """Pids of the supervisor's live worker processes (not multiprocessing's helpers)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        # After the ")" closing the command name: state ppid ...
        if int(fields[1]) == supervisor and fields[0] != "Z" and b"spawn_main" in cmdline:
            pids.append(int(proc.name))
    return sorted(pids)


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
        "VITRINE_METRICS_PORT": "off",
        "VITRINE_BOOTSTRAP_ADMIN_KEY": env.settings.bootstrap_admin_key,
        "VITRINE_SEARCH_DIR": env.settings.search_dir,
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


async def test_two_workers_over_tls_with_metrics_from_the_supervisor(env, tmp_path: Path):
    pki = make_pki(tmp_path)
    port, metrics_port = _free_port(), _free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": env.settings.database_url,
        "REDIS_URL": env.settings.redis_url,
        "VITRINE_REDIS_PREFIX": env.settings.redis_prefix,
        "VITRINE_LOG_FORMAT": "json",
        "VITRINE_TLS_CERT": str(pki.server.cert),
        "VITRINE_TLS_KEY": str(pki.server.key),
        "VITRINE_TLS_CLIENT_CA": str(pki.ca.cert),
        "VITRINE_METRICS_PORT": str(metrics_port),
        "VITRINE_METRICS_HOST": "127.0.0.1",
        "VITRINE_BOOTSTRAP_ADMIN_KEY": env.settings.bootstrap_admin_key,
        "VITRINE_SEARCH_DIR": env.settings.search_dir,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "vitrine_server", "run", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "2"),
        env=environ,
        stderr=asyncio.subprocess.PIPE,
    )
    creds = tls_credentials(ca=pki.ca.cert, cert=pki.client.cert, key=pki.client.key)
    calls = 0
    try:
        async with aio_connect(
            f"127.0.0.1:{port}", creds, api_key=env.settings.bootstrap_admin_key
        ) as vitrine:
            for _ in range(300):  # spawn + imports: slow on a busy machine
                try:
                    await vitrine.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=1)
                    calls += 1
                    break
                except Exception:
                    await asyncio.sleep(0.1)
        # Separate connections land on both workers.
        for _ in range(8):
            c = aio_connect(
                f"127.0.0.1:{port}",
                creds,
                options=[("grpc.use_local_subchannel_pool", 1)],
                api_key=env.settings.bootstrap_admin_key,
            )
            await c.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=5)
            calls += 1
            await c.close()

        # Workers hand their records over once a second: poll until all arrived
        # (and both workers' gauges: one may have started a second later).
        handled = dict(
            grpc_type="unary", grpc_service=CATALOG, grpc_method="ListStores", grpc_code="OK"
        )
        pool_max = Settings.from_env(environ).pool_max_size
        for _ in range(100):
            samples = await asyncio.to_thread(scrape, metrics_port)
            if (
                value(samples, "grpc_server_handled_total", **handled) == calls
                and value(
                    samples,
                    "grpc_server_handling_seconds_count",
                    grpc_type="unary",
                    grpc_service=CATALOG,
                    grpc_method="ListStores",
                )
                == calls
                and value(samples, "vitrine_pg_pool_max") == 2 * pool_max
            ):
                break
            await asyncio.sleep(0.1)
        assert value(samples, "grpc_server_handled_total", **handled) == calls
        assert (
            value(
                samples,
                "grpc_server_handling_seconds_count",
                grpc_type="unary",
                grpc_service=CATALOG,
                grpc_method="ListStores",
            )
            == calls
        )
        # Gauges of both live workers, added up (pool) or combined (up).
        assert value(samples, "vitrine_pg_pool_max") == 2 * pool_max
        assert value(samples, "vitrine_postgres_up") == 1

        # A worker dies and is restarted: its gauges leave the sums, its counts stay.
        victim = _workers_of(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        for _ in range(300):
            samples = await asyncio.to_thread(scrape, metrics_port)
            workers = _workers_of(proc.pid)
            restarted = len(workers) == 2 and victim not in workers
            if restarted and value(samples, "vitrine_pg_pool_max") == 2 * pool_max:
                break
            await asyncio.sleep(0.1)
        assert restarted and value(samples, "vitrine_pg_pool_max") == 2 * pool_max
        assert value(samples, "grpc_server_handled_total", **handled) == calls
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    log = stderr.decode()
    assert proc.returncode == 0, log[-2000:]
    assert log.count('"worker ready"') == 3  # two, and the one restarted
    supervising = next(json.loads(line) for line in log.splitlines() if '"supervising"' in line)
    assert supervising["metrics_port"] == metrics_port
    gone = not await asyncio.to_thread(Path(supervising["metrics_dir"]).exists)
    assert gone, "the supervisor removes the multi-process files"
