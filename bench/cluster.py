"""The two-instance run: the catalog's read scenarios on one instance, then
on two instances with a PostgreSQL replica and a Redis Cluster, and the
ratio of the two.

Everything runs on servers of this bench's own (tests/cluster/servers.py):
a PostgreSQL primary on a free port holding the bench catalog, its
streaming replica, one Redis server for the one-instance run and a
three-master Redis Cluster (with a replica each) for the two-instance run.
The shared PostgreSQL and Redis are not touched.

Same CPU both ways: one instance runs `--workers` workers, each of the two
runs half as many (at least one), all on this machine. So on a 2-core box
the ratio measures what the topology costs per call (replica routing,
Redis Cluster routing, two h2loads), not scale-out: two instances on two
machines would add up to two machines' worth (docs/operations.md, "Capacity").

For each scenario, rounds alternate: h2load at one instance, then two
h2loads at once, one per instance, each with half the connections, their
req/s added up. "vs one" is the median of the per-round ratios.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from vitrine_server.db.migrate import Migrator

from bench import dataset
from bench.catalog import (  # the catalog bench's scenarios and their checks
    BATCH_SIZE,
    CATALOG_PRODUCTS,
    SERVICE,
    Scenario,
    _validate_batch,
    _validate_page,
    call_raw,
    get_scenario,
    list_request,
)
from bench.h2load import LoadSettings, run_load, sample_grpc_statuses, write_body
from bench.servers import channel as bench_channel
from bench.servers import free_port, vitrine_env, vitrine_server, warn_if_busy
from tests.cluster.servers import OwnPrimary, OwnRedisCluster, OwnReplica, why_not_available
from tests.faults.instances import OwnRedis


@dataclass(frozen=True)
class ClusterBenchConfig:
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    load: LoadSettings = field(default_factory=LoadSettings)
    products: int = CATALOG_PRODUCTS
    rounds: int = 3
    out_dir: Path = Path(__file__).resolve().parent / "out"


@dataclass
class Row:
    key: str
    label: str
    one_rps: list[float] = field(default_factory=list)
    two_rps: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        ratios = [t / o for o, t in zip(self.one_rps, self.two_rps, strict=False) if o > 0]
        return statistics.median(ratios) if ratios else None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "one_instance_rps": self.one_rps,
            "two_instances_rps": self.two_rps,
            "two_vs_one": self.ratio,
            "error": self.error,
        }


def _scenarios(ids: list[int]) -> list[tuple[Scenario, str]]:
    return [
        (get_scenario("get_redis", ids[0]), "GetProduct (Redis cache)"),
        (
            Scenario(
                "batch",
                f"{SERVICE}/BatchGetProducts",
                _batch_request(ids),
                _validate_batch(ids),
                items_per_call=len(ids),
            ),
            f"BatchGetProducts ({len(ids)} ids)",
        ),
        (
            Scenario(
                "list_p1",
                f"{SERVICE}/ListProducts",
                list_request().SerializeToString(),
                _validate_page(None),
            ),
            "ListProducts page 1 (the replica, in the two-instance run)",
        ),
    ]


def _batch_request(ids: list[int]) -> bytes:
    from vitrine.catalog.v1 import catalog_service_pb2 as pb

    return pb.BatchGetProductsRequest(ids=ids).SerializeToString()


async def _rps(target: str, scenario: Scenario, load: LoadSettings, out: Path, tag: str) -> float:
    async with bench_channel(target) as channel:
        raw = await call_raw(channel, scenario.path, scenario.request)
        scenario.validate(raw)
    # A body file per run: the pair's two h2loads start at once.
    body = write_body(out / f"cluster-{scenario.key}-{tag}.body.bin", scenario.request)
    url = f"http://{target}{scenario.path}"
    sample = await sample_grpc_statuses(url, body, calls=50)
    if not sample.ok:
        raise RuntimeError(f"{target}: {sample.to_json()}")
    result = await run_load(
        url, body, load, out / f"cluster-{scenario.key}-{tag}.tsv", len(raw) + 5
    )
    if result.failed or result.errored or result.grpc_failed_estimate:
        raise RuntimeError(f"{target}: h2load saw failures: {result.to_json()}")
    return result.rps


async def run_cluster_bench(config: ClusterBenchConfig) -> dict[str, Any]:
    reason = why_not_available()
    if reason:
        return {"measured": False, "error": reason}
    out = config.out_dir
    out.mkdir(parents=True, exist_ok=True)
    primary, redis, cluster = OwnPrimary(), OwnRedis(), OwnRedisCluster()
    replica = OwnReplica(primary)
    report: dict[str, Any] = {"loadavg_before": warn_if_busy()}
    rows: list[Row] = []
    try:
        print("  a PostgreSQL primary of the bench's own, and the catalog", flush=True)
        await primary.init()
        conn = await asyncpg.connect(primary.dsn())
        await conn.execute("CREATE DATABASE vitrine")
        await conn.close()
        url = primary.dsn("vitrine")
        await Migrator(url).up()
        report["dataset"] = await dataset.ensure_catalog(url, config.products)
        ids = await dataset.sample_product_ids(url, BATCH_SIZE)
        print("  its replica, a Redis server and a Redis Cluster", flush=True)
        await replica.init()
        await redis.start()
        await cluster.start()

        half = max(1, config.workers // 2)
        one_env = vitrine_env(url, redis.url, "bench-one")

        def two_env() -> dict[str, str]:
            """One of the pair's (each its own /metrics port)."""
            env = vitrine_env(url, cluster.url, "bench-two")
            return {**env, "VITRINE_REPLICA_URLS": replica.dsn("vitrine")}

        one = vitrine_server(free_port(), config.workers, out / "cluster-one.log", one_env, "one")
        a = vitrine_server(free_port(), half, out / "cluster-a.log", two_env(), "two-a")
        b = vitrine_server(free_port(), half, out / "cluster-b.log", two_env(), "two-b")
        split = dataclasses.replace(config.load, connections=max(1, config.load.connections // 2))
        async with one, a, b:
            for scenario, label in _scenarios(ids):
                row = Row(scenario.key, label)
                rows.append(row)
                try:
                    for n in range(config.rounds):
                        row.one_rps.append(
                            await _rps(one.target, scenario, config.load, out, f"one-{n}")
                        )
                        rps_a, rps_b = await asyncio.gather(
                            _rps(a.target, scenario, split, out, f"a-{n}"),
                            _rps(b.target, scenario, split, out, f"b-{n}"),
                        )
                        row.two_rps.append(rps_a + rps_b)
                except Exception as err:  # the row says why; the others still run
                    row.error = f"{type(err).__name__}: {err}"
                ratio = f"{row.ratio:.2f}x" if row.ratio else "-"
                print(f"  {label}: {ratio} {row.error or ''}", flush=True)
    finally:
        cluster.destroy()
        await redis.kill()
        await replica.destroy()
        await primary.destroy()
    report.update(
        workers_one=config.workers,
        workers_each_of_two=max(1, config.workers // 2),
        rows=[r.to_json() for r in rows],
        measured=all(r.error is None for r in rows),
        loadavg_after=os.getloadavg()[0],
    )
    return report


def table(report: dict[str, Any]) -> str:
    if "rows" not in report:
        return f"two-instance run not measured: {report.get('error')}"
    lines = [
        f"{'scenario':<60} {'one, req/s':>11} {'two, req/s':>11} {'two vs one':>10}",
    ]
    for row in report["rows"]:
        one = statistics.median(row["one_instance_rps"]) if row["one_instance_rps"] else 0
        two = statistics.median(row["two_instances_rps"]) if row["two_instances_rps"] else 0
        ratio = f"{row['two_vs_one']:.2f}x" if row["two_vs_one"] else "-"
        lines.append(f"{row['label']:<60} {one:>11,.0f} {two:>11,.0f} {ratio:>10}")
        if row["error"]:
            lines.append(f"    {row['error']}")
    return "\n".join(lines)
