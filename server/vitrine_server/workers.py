"""N server processes on one port (SO_REUSEPORT): Python has a GIL, so the
service uses every core by running one asyncio server per core.

The parent only supervises: it spawns the workers (spawn, not fork: gRPC's
core does not survive a fork), forwards SIGTERM/SIGINT to them, restarts a
worker that dies unexpectedly, and exits when all have drained. With
metrics on, it also serves /metrics for all workers (metrics/multiprocess.py):
workers record, the supervisor adds up.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing as mp
import os
import signal
import time
from multiprocessing.process import BaseProcess

from vitrine_server import log as logsetup
from vitrine_server.app import VitrineServer
from vitrine_server.config import Settings
from vitrine_server.metrics.multiprocess import Aggregator

log = logging.getLogger("vitrine.workers")


def run_worker(settings: Settings, index: int = 0, serve_metrics: bool = True) -> None:
    """One server process until SIGTERM/SIGINT, then a graceful drain.

    `serve_metrics`: False under the supervisor, which serves /metrics itself.
    """
    logsetup.configure(settings.log_level, settings.log_format)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # uvloop is optional: it only makes each call cheaper
        pass
    asyncio.run(_serve(settings, index, serve_metrics))


async def _serve(settings: Settings, index: int, serve_metrics: bool) -> None:
    server = VitrineServer(settings, serve_metrics=serve_metrics)
    await server.start()
    # Everything loaded so far (modules, descriptors, SQL) lives as long as the
    # process: keep it out of every future garbage collection.
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker ready", extra={"worker": index, "port": server.port})
    await stop.wait()
    log.info("draining", extra={"worker": index, "grace_s": settings.shutdown_grace})
    await server.stop()


def run_supervisor(settings: Settings) -> None:
    if settings.workers <= 1:
        run_worker(settings)
        return
    if settings.port == 0:
        raise SystemExit("--port 0 needs --workers 1: each worker would get its own port")
    aggregator = None
    if settings.metrics_port is not None:
        # Before any worker exists: they inherit its PROMETHEUS_MULTIPROC_DIR.
        aggregator = Aggregator(settings.metrics_host, settings.metrics_port)
    try:
        _supervise(settings, aggregator)
    finally:
        if aggregator is not None:
            aggregator.close()
    log.info("all workers stopped")


def _supervise(settings: Settings, aggregator: Aggregator | None) -> None:
    ctx = mp.get_context("spawn")
    workers: dict[int, BaseProcess] = {}
    stopping = False

    def start(i: int) -> None:
        p = ctx.Process(target=run_worker, args=(settings, i, False), name=f"vitrine-worker-{i}")
        p.start()
        workers[i] = p

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for p in workers.values():
            if p.is_alive() and p.pid:
                os.kill(p.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for i in range(settings.workers):
        start(i)
    log.info(
        "supervising",
        extra={
            "workers": settings.workers,
            "port": settings.port,
            "metrics_port": aggregator.port if aggregator else None,
            "metrics_dir": aggregator.path if aggregator else None,
        },
    )
    while workers:
        for i, p in list(workers.items()):
            p.join(timeout=0.2)
            if p.is_alive():
                continue
            del workers[i]
            if aggregator is not None:
                aggregator.worker_exited(p.pid)
            if not stopping:
                log.error("worker %d exited with %s; restarting", i, p.exitcode)
                time.sleep(0.5)
                start(i)
