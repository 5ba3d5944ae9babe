"""What tracing costs per call: `python -m bench.tracing` (about three
minutes; not part of `make bench`, whose servers run with tracing off).

Three Vitrine servers, one worker each, over the same database: tracing off;
on, every call sampled, exporting over OTLP/gRPC to a collector stand-in in
this process (it accepts and counts spans, and discards them); and on with
1 call in 10 sampled (OTEL_TRACES_SAMPLER=parentbased_traceidratio). Each
is driven by the same h2load run (`-n CALLS`) of GetProduct from the Redis
cache and of GetProduct from PostgreSQL (VITRINE_CACHE=off), in interleaved
rounds. Reported: the server's CPU per call (every process of the server,
/proc utime + stime, so the span exporter's thread is counted) and req/s,
as ratios to tracing off measured in the same round; medians of the rounds.
CPU per call, not wall time, is what to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as pb

from bench.h2load import GRPC_HEADERS, grpc_frame, h2load_binary, sample_grpc_statuses
from bench.servers import free_port, live_group_members, vitrine_env, vitrine_server, warn_if_busy

TICK = os.sysconf("SC_CLK_TCK")
GET_PRODUCT = "/vitrine.catalog.v1.CatalogService/GetProduct"
_FINISHED = re.compile(r"finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s")
_SUCCEEDED = re.compile(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded")

CONFIGS = {
    "off": {},
    "on": {"OTEL_TRACES_EXPORTER": "otlp"},
    "on, 10% sampled": {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    },
}


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """Stands in for an OpenTelemetry collector: takes every export, keeps a count."""

    def __init__(self) -> None:
        self.spans = 0

    async def Export(self, request: Any, context: Any) -> Any:
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.spans += len(scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


@asynccontextmanager
async def collector() -> Any:
    sink = Collector()
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(sink, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield sink, port
    finally:
        await server.stop(0)


def cpu_seconds(pgid: int) -> float:
    total = 0
    for pid in live_group_members(pgid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


@dataclass
class Run:
    cpu_us_per_call: float
    rps: float


async def drive(
    url: str, body: Path, calls: int, connections: int, streams: int
) -> tuple[float, int]:
    argv = [h2load_binary(), "-d", str(body)]
    for header in GRPC_HEADERS:
        argv += ["-H", header]
    argv += ["-n", str(calls), "-c", str(connections), "-m", str(streams), "-t", "1", url]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    finished, succeeded = _FINISHED.search(text), _SUCCEEDED.search(text)
    if proc.returncode != 0 or finished is None or succeeded is None:
        raise RuntimeError(f"h2load failed: {text[-1500:]}")
    return float(finished.group(3)), int(succeeded.group(1))


async def measure(pgid: int, url: str, body: Path, args: argparse.Namespace) -> Run:
    before = cpu_seconds(pgid)
    rps, succeeded = await drive(url, body, args.calls, args.connections, args.streams)
    if succeeded != args.calls:
        raise RuntimeError(f"{url}: {succeeded} of {args.calls} calls succeeded")
    await asyncio.sleep(0.5)  # the exporter's batch (every 0.5 s by default here) is paid too
    return Run((cpu_seconds(pgid) - before) / succeeded * 1e6, rps)


@contextmanager
def servers(
    args: argparse.Namespace, out: Path, otlp_port: int
) -> Iterator[dict[tuple[str, str], Any]]:
    started = {}
    try:
        for cache in (True, False):
            for config, extra in CONFIGS.items():
                env = vitrine_env(args.database_url, args.redis_url, args.redis_prefix, cache=cache)
                env.update(
                    VITRINE_METRICS_PORT="off",
                    OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{otlp_port}",
                    OTEL_EXPORTER_OTLP_INSECURE="true",
                    OTEL_SERVICE_NAME="vitrine-bench",
                    OTEL_BSP_SCHEDULE_DELAY="500",
                    **extra,
                )
                slug = re.sub(r"[^a-z0-9]+", "-", config)
                name = f"{'redis' if cache else 'postgres'}-{slug}"
                server = vitrine_server(free_port(), 1, out / f"{name}.log", env, name=name)
                server.start()
                started[
                    ("GetProduct, Redis cache" if cache else "GetProduct, PostgreSQL", config)
                ] = server
        yield started
    finally:
        for server in started.values():
            server.stop()


async def main(args: argparse.Namespace) -> None:
    load = warn_if_busy()
    out = Path(tempfile.mkdtemp(prefix="vitrine-bench-tracing-"))
    body = out / "get.bin"
    body.write_bytes(grpc_frame(pb.GetProductRequest(id=args.product_id).SerializeToString()))
    seed_env = vitrine_env(args.database_url, args.redis_url, args.redis_prefix)
    seed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vitrine_server",
        "seed-demo",
        env=seed_env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await seed.wait()
    async with collector() as (sink, otlp_port):
        with servers(args, out, otlp_port) as started:
            for server in started.values():
                await server.wait_ready()
                sample = await sample_grpc_statuses(
                    f"http://{server.target}{GET_PRODUCT}", body, 100
                )
                if not sample.ok:
                    raise RuntimeError(f"{server.name}: calls failed: {sample.to_json()}")
            runs: dict[tuple[str, str], list[Run]] = {key: [] for key in started}
            for round_ in range(args.rounds):
                for key, server in started.items():
                    url = f"http://{server.target}{GET_PRODUCT}"
                    runs[key].append(await measure(server.proc.pid, url, body, args))
                print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    print(
        f"\nload average at start {load:.1f}; {args.calls} calls a run, -c {args.connections} "
        f"-m {args.streams}; {sink.spans} spans reached the collector\n"
    )
    print("| scenario | tracing | server CPU µs/call | vs off | req/s | vs off |")
    print("|---|---|---|---|---|---|")
    for scenario in dict.fromkeys(s for s, _ in runs):
        off = runs[(scenario, "off")]
        for config in CONFIGS:
            these = runs[(scenario, config)]
            cpu = statistics.median(r.cpu_us_per_call for r in these)
            rps = statistics.median(r.rps for r in these)
            cpu_ratio = statistics.median(
                r.cpu_us_per_call / o.cpu_us_per_call for r, o in zip(these, off, strict=True)
            )
            rps_ratio = statistics.median(r.rps / o.rps for r, o in zip(these, off, strict=True))
            print(
                f"| {scenario} | {config} | {cpu:.0f} | {cpu_ratio:.2f}x "
                f"| {rps:,.0f} | {rps_ratio:.2f}x |"
            )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.tracing", description=__doc__.splitlines()[0])
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/vitrine_bench_tracing"
        ),
    )
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--redis-prefix", default="bench-tracing")
    p.add_argument("--product-id", type=int, default=1)
    p.add_argument("--calls", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("-c", "--connections", type=int, default=8)
    p.add_argument("-m", "--streams", type=int, default=8)
    return p.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
