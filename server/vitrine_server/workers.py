"""N server processes on one port (SO_REUSEPORT): Python has a GIL, so the
service uses every core by running one asyncio server per core.

The parent only supervises: it spawns the workers (spawn, not fork: gRPC's
core does not survive a fork), forwards SIGTERM/SIGINT to them, restarts a
worker that dies unexpectedly, and exits when all have drained (one that
overstays its drain and grace periods is killed). With metrics on, it also
serves /metrics for all workers (metrics/multiprocess.py): workers record,
the supervisor adds up.

A worker stops as app.py describes: SIGTERM drains first (the drain
period); SIGINT (Ctrl-C at a terminal, where no balancer needs the time)
and a second signal skip what is left of it. Then the worker exits without
grpcio's own stop (rpc/drain.py says why).
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

# A stopping worker still alive this long after its drain and grace periods is killed.
KILL_AFTER_S = 5.0


def run_worker(settings: Settings, index: int = 0, serve_metrics: bool = True) -> None:
    """One server process until SIGTERM/SIGINT, then a graceful drain; the
    process ends there (it never returns).

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
    stop, hurry = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set() or sig == signal.SIGINT:
            hurry.set()  # no (more) drain period
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    log.info("worker ready", extra={"worker": index, "port": server.port})
    await stop.wait()
    log.info(
        "stopping",
        extra={
            "worker": index,
            "drain_s": 0.0 if hurry.is_set() else settings.shutdown_drain,
            "grace_s": settings.shutdown_grace,
        },
    )
    await server.stop(hurry=hurry, keep_transport=True)
    # Leave now, with grpcio's server still up: calls still arriving see their
    # connection reset (UNAVAILABLE) rather than cancelled (rpc/drain.py), and
    # nothing in the interpreter's own teardown can stretch the stop.
    logging.shutdown()
    os._exit(0)


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
    supervisor = _Supervisor(settings, aggregator)
    signal.signal(signal.SIGTERM, supervisor.on_signal)
    signal.signal(signal.SIGINT, supervisor.on_signal)
    for i in range(settings.workers):
        supervisor.start(i)
    log.info(
        "supervising",
        extra={
            "workers": settings.workers,
            "port": settings.port,
            "metrics_port": aggregator.port if aggregator else None,
            "metrics_dir": aggregator.path if aggregator else None,
        },
    )
    while supervisor.workers:
        supervisor.kill_overstayers()
        supervisor.reap()


class _Supervisor:
    """The worker processes: started, restarted when they die unasked,
    signalled to stop, killed when they overstay their grace period."""

    def __init__(self, settings: Settings, aggregator: Aggregator | None):
        self.settings = settings
        self.aggregator = aggregator
        self.ctx = mp.get_context("spawn")
        self.workers: dict[int, BaseProcess] = {}
        self.stopping = False
        # Past this, a worker that has not exited is killed (set at the first signal).
        self.give_up_at: float | None = None

    def start(self, i: int) -> None:
        p = self.ctx.Process(
            target=run_worker, args=(self.settings, i, False), name=f"vitrine-worker-{i}"
        )
        p.start()
        self.workers[i] = p

    def on_signal(self, signum: int, _frame: object) -> None:
        s = self.settings
        self.stopping = True
        if self.give_up_at is None:
            self.give_up_at = time.monotonic() + s.shutdown_drain + s.shutdown_grace + KILL_AFTER_S
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for p in self.workers.values():
            if p.is_alive() and p.pid:
                if signum == signal.SIGKILL:
                    log.error("worker pid %d overstayed its grace period: killed", p.pid)
                os.kill(p.pid, signum)

    def kill_overstayers(self) -> None:
        if self.give_up_at is not None and time.monotonic() > self.give_up_at:
            self._signal_all(signal.SIGKILL)
            self.give_up_at = float("inf")

    def reap(self) -> None:
        """Wait a little for each worker; restart those that died unasked."""
        for i, p in list(self.workers.items()):
            p.join(timeout=0.2)
            if p.is_alive():
                continue
            del self.workers[i]
            if self.aggregator is not None:
                self.aggregator.worker_exited(p.pid)
            if not self.stopping:
                log.error("worker %d exited with %s; restarting", i, p.exitcode)
                time.sleep(0.5)
                self.start(i)
