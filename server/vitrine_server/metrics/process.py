"""Every metric of one server process, and how its values reach /metrics.

Values that already live somewhere (the asyncpg pool's sizes, whether Redis
answered the last probe, a component's running counts) are read, never
tracked per call: `refresh()` reads them and moves the per-call RPC records
into prometheus-client (rpc.py). It runs when /metrics is scraped, if this
process serves it; under the multi-worker supervisor, which serves /metrics
for all workers from prometheus-client's multi-process files, each worker
refreshes once a second instead (`Refresher`).

Gauges take a multi-process mode: `livesum` adds the live workers' values
(pool connections), `livemin` is 1 only if every live worker says 1 (up).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge

from vitrine_server.background import Background
from vitrine_server.metrics.rpc import RpcMetrics

REFRESH_S = 1.0


@dataclass
class _Counts:
    """Running totals read from a callable, exported as a counter by `label`."""

    counter: Counter
    read: Callable[[], Mapping[str, int]]
    flushed: dict[str, int] = field(default_factory=dict)

    def refresh(self) -> None:
        for key, total in self.read().items():
            done = self.flushed.get(key, 0)
            if total > done:
                self.counter.labels(key).inc(total - done)
                self.flushed[key] = total


class ProcessMetrics:
    """One process's metrics, in a registry of their own (tests run several servers)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.rpc = RpcMetrics(self.registry)
        self._gauges: list[tuple[Gauge, Callable[[], float]]] = []
        self._counts: list[_Counts] = []
        self._labelled: list[tuple[Gauge, Callable[[], Mapping[str, float]]]] = []
        self._refreshing = threading.Lock()

    def gauge(
        self, name: str, documentation: str, read: Callable[[], float], mode: str = "livesum"
    ) -> None:
        """A gauge set from `read()` at each refresh; `mode` combines the workers' values."""
        g = Gauge(name, documentation, registry=self.registry, multiprocess_mode=mode)  # type: ignore[arg-type]
        self._gauges.append((g, read))

    def labelled_gauge(
        self,
        name: str,
        documentation: str,
        label: str,
        read: Callable[[], Mapping[str, float]],
        mode: str = "livesum",
    ) -> None:
        """A gauge labelled by `label`, set from `read()`'s values at each refresh."""
        g = Gauge(name, documentation, [label], registry=self.registry, multiprocess_mode=mode)  # type: ignore[arg-type]
        self._labelled.append((g, read))

    def export_counts(
        self, name: str, documentation: str, label: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        """A counter `name` labelled by `label`, from running totals `read()` returns.

        For counts a component keeps itself (for example the cache's hits and
        misses, `{"hit": 10, "miss": 2}`): only the increase since the last
        refresh is added, so totals that only grow come out right in both
        single- and multi-process mode. `read` may be called from the scrape
        thread: it should only read (a dict of ints is fine) and never await.
        """
        counter = Counter(name, documentation, [label], registry=self.registry)
        self._counts.append(_Counts(counter, read))

    def refresh(self) -> None:
        """Bring every exported value up to date (scrape thread or event loop)."""
        with self._refreshing:
            self.rpc.flush()
            for gauge, read in self._gauges:
                gauge.set(read())
            for gauge, read_all in self._labelled:
                for value_of, value in read_all().items():
                    gauge.labels(value_of).set(value)
            for counts in self._counts:
                counts.refresh()


class Refresher(Background):
    """Refreshes a worker's metrics once a second for the supervisor's /metrics."""

    task_name = "metrics-refresh"

    def __init__(self, metrics: ProcessMetrics, interval: float = REFRESH_S) -> None:
        self.metrics = metrics
        self.interval = interval

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.metrics.refresh()

    async def close(self) -> None:
        await super().close()
        self.metrics.refresh()  # what the last second recorded, before the process exits
