"""The supervisor's side of metrics with N worker processes.

prometheus-client's multi-process mode: each worker writes its values to
memory-mapped files in PROMETHEUS_MULTIPROC_DIR, and the supervisor serves
/metrics by reading and adding up all of them. The directory is a fresh
temporary one per supervisor run (stale files from another run would be
added in), set in the environment before any worker is spawned (a process
picks its value class when it first imports prometheus_client), and removed
when the supervisor exits. When a worker exits, its gauges are dropped
(`mark_process_dead`); its counters and histograms stay, so totals never go
backwards when a worker is restarted.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from vitrine_server.metrics.endpoint import MetricsEndpoint

ENV = "PROMETHEUS_MULTIPROC_DIR"


class Aggregator:
    def __init__(self, host: str, port: int) -> None:
        self.path = tempfile.mkdtemp(prefix="vitrine-metrics-")
        try:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.path)
            self.endpoint = MetricsEndpoint(registry, host, port)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        os.environ[ENV] = self.path  # inherited by every worker spawned from now on
        self.port = self.endpoint.port

    def worker_exited(self, pid: int | None) -> None:
        if pid is not None:
            mark_process_dead(pid, self.path)

    def close(self) -> None:
        self.endpoint.close()
        if os.environ.get(ENV) == self.path:
            del os.environ[ENV]
        shutil.rmtree(self.path, ignore_errors=True)
