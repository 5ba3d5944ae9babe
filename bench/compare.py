"""The catalog's read paths of two checkouts, side by side, in one run.

    python -m bench.compare --other PATH --other-database-url URL [--rounds 3]

`make bench` prints each path as a ratio to a bare server measured in the
same run, which shows what a path costs beyond gRPC but moves by 10-15% from
one run to the next on a shared 2-core machine: too much to tell whether a
refactoring made a path slower. This bench answers that question directly.
It starts this checkout's server and another checkout's (a git worktree of
an older commit, with its own `make setup` done), each over its own bench
database seeded by its own checkout, and drives the same calls at both,
interleaved round by round, so both see the same machine.

For every path it reports, per checkout, the median over the rounds of:
- req/s with h2load at saturation (as `make bench` does);
- CPU per call: the server's processes plus the PostgreSQL backends serving
  its database, from /proc, divided by the calls answered. CPU per call moves
  much less with the machine's load than req/s does. Redis is left out: its
  one process is shared with whatever else runs.

The ratio this / other is what to read: above 1.00 for req/s, below 1.00 for
CPU per call, means this checkout is cheaper.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench import catalog, dataset
from bench.h2load import LoadSettings, run_load, write_body
from bench.servers import (
    REPO_ROOT,
    ServerProcess,
    free_port,
    live_group_members,
    vitrine_env,
    warn_if_busy,
)
from bench.servers import channel as bench_channel

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Side:
    """One checkout: where it lives, its database, its server."""

    name: str
    root: Path
    database_url: str
    redis_prefix: str
    server: ServerProcess | None = None
    scenarios: dict[str, catalog.Scenario] = field(default_factory=dict)
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)


def _process_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, fields 14 and 15 of stat(5), 12th and 13th after ")".
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _backend_pids(database_url: str) -> list[int]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


async def _cpu_snapshot(side: Side) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the server's processes and of its database's
    backends, by pid."""
    assert side.server is not None and side.server.proc is not None
    return {
        "server": {pid: _process_cpu_s(pid) for pid in live_group_members(side.server.proc.pid)},
        "postgres": {pid: _process_cpu_s(pid) for pid in await _backend_pids(side.database_url)},
    }


def _cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    # A backend started during the run counts from zero; one that ended is
    # lost (rare: the pool keeps its connections).
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _server(side: Side, workers: int, out_dir: Path, redis_url: str, cache: bool) -> ServerProcess:
    python = side.root / ".venv" / "bin" / "python"
    argv = [str(python), "-m", "vitrine_server", "run", "--port", str(free_port())]
    argv += ["--workers", str(workers), "--migrate"]
    env = vitrine_env(side.database_url, redis_url, side.redis_prefix, cache=cache)
    port = int(argv[argv.index("--port") + 1])
    log = out_dir / f"compare-{side.name}.log"
    return ServerProcess(f"vitrine ({side.name})", argv, port, workers, log, env=env, cwd=side.root)


async def _prepare(side: Side, products: int, cache: bool) -> None:
    """Seeds the side's database (its own server has migrated it) and picks
    the calls. Both databases are seeded by the same deterministic generator,
    so the same ids and pages mean the same rows."""
    assert side.server is not None
    await dataset.ensure_catalog(side.database_url, products)
    ids = await dataset.sample_product_ids(side.database_url, catalog.BATCH_SIZE)
    async with bench_channel(side.server.target) as channel:
        lists = await catalog.cached_vitrine_scenarios(channel, ids)
    gets = (
        [
            catalog.get_scenario(catalog.GET_LOCAL, ids[0], catalog.LOCAL_STALENESS_S),
            catalog.get_scenario(catalog.GET_CACHE, ids[0]),
        ]
        if cache
        else [catalog.get_scenario(catalog.GET_PG, ids[0])]
    )
    side.scenarios = {s.key: s for s in (*gets, *lists)}


async def _measure(side: Side, key: str, settings: LoadSettings, out_dir: Path) -> dict[str, float]:
    assert side.server is not None
    scenario = side.scenarios[key]
    async with bench_channel(side.server.target) as channel:
        scenario.validate(await catalog.call_raw(channel, scenario.path, scenario.request))
    body = write_body(out_dir / f"compare-{side.name}-{key}.bin", scenario.request)
    before = await _cpu_snapshot(side)
    load = await run_load(
        f"http://{side.server.target}{scenario.path}",
        body,
        settings,
        out_dir / f"compare-{side.name}-{key}.log",
        None,
    )
    after = await _cpu_snapshot(side)
    server, postgres = (_cpu_between(before[k], after[k]) for k in ("server", "postgres"))
    # The warm-up run is inside the CPU window too: count its calls.
    window_s = settings.duration_s + settings.warmup_s
    calls = max(1.0, load.succeeded * window_s / settings.duration_s)
    return {
        "rps": load.rps,
        "cpu_ms_per_call": 1000 * (server + postgres) / calls,
        "server_ms_per_call": 1000 * server / calls,
        "postgres_ms_per_call": 1000 * postgres / calls,
        "p99_ms": load.p99_ms,
    }


def _median(runs: list[dict[str, float]], metric: str) -> float:
    return statistics.median(r[metric] for r in runs)


def _print_table(this: Side, other: Side) -> list[dict[str, Any]]:
    rows = []
    head = f"{'path':32} {'req/s':>15} {'ratio':>6}   {'CPU ms/call':>15} {'ratio':>6}"
    print(f"\n{head}\n{'':32} {this.name + ' / ' + other.name:>15}")
    for key in this.runs:
        a, b = this.runs[key], other.runs[key]
        rps = (_median(a, "rps"), _median(b, "rps"))
        cpu = (_median(a, "cpu_ms_per_call"), _median(b, "cpu_ms_per_call"))
        row = {
            "path": catalog.LABELS[key],
            f"rps_{this.name}": rps[0],
            f"rps_{other.name}": rps[1],
            "rps_ratio": rps[0] / rps[1],
            f"cpu_ms_{this.name}": cpu[0],
            f"cpu_ms_{other.name}": cpu[1],
            "cpu_ratio": cpu[0] / cpu[1],
        }
        rows.append(row)
        print(
            f"{row['path']:32} {rps[0]:>7,.0f} / {rps[1]:<6,.0f} {row['rps_ratio']:>5.2f}x"
            f"   {cpu[0]:>6.3f} / {cpu[1]:<6.3f} {row['cpu_ratio']:>5.2f}x"
        )
    return rows


async def _run(args: argparse.Namespace, other_root: Path, out_dir: Path) -> int:
    this = Side("this", REPO_ROOT, args.database_url, args.redis_prefix + "-this")
    other = Side("other", other_root, args.other_database_url, args.redis_prefix + "-other")
    settings = LoadSettings(duration_s=args.duration, warmup_s=args.warmup)
    load_before = warn_if_busy()
    for side in (this, other):
        await dataset.ensure_database(side.database_url)
        await dataset.flush_redis_prefix(args.redis_url, side.redis_prefix)
        side.server = _server(side, args.workers, out_dir, args.redis_url, args.cache == "on")
    async with this.server, other.server:  # type: ignore[union-attr]
        for side in (this, other):
            await _prepare(side, args.products, args.cache == "on")
        keys = list(this.scenarios)
        for n in range(1, args.rounds + 1):
            print(f"round {n}", flush=True)
            # Alternate which side goes first, so neither always runs on a
            # machine the other has just warmed or loaded.
            order = (this, other) if n % 2 else (other, this)
            for key in keys:
                for side in order:
                    run = await _measure(side, key, settings, out_dir)
                    side.runs.setdefault(key, []).append(run)
                    print(
                        f"  {catalog.LABELS[key]:32} {side.name:5} {run['rps']:>7,.0f} req/s"
                        f"  {run['cpu_ms_per_call']:.3f} ms CPU/call"
                        f" (server {run['server_ms_per_call']:.3f},"
                        f" PostgreSQL {run['postgres_ms_per_call']:.3f})",
                        flush=True,
                    )
    rows = _print_table(this, other)
    load_after = os.getloadavg()[0]
    print(
        f"\ncache {args.cache}; load average {load_before:.1f} -> {load_after:.1f};"
        f" other = {other.root}"
    )
    summary = {"other": str(other.root), "cache": args.cache, "rounds": args.rounds, "paths": rows}
    (out_dir / f"compare-cache-{args.cache}.json").write_text(json.dumps(summary, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--other", required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--other-database-url", required=True)
    parser.add_argument("--database-url", default=catalog.BenchConfig().database_url)
    parser.add_argument("--redis-url", default=catalog.BenchConfig().redis_url)
    parser.add_argument("--redis-prefix", default="vitrine-compare")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--cache",
        choices=("on", "off"),
        default="on",
        help="off: both servers with VITRINE_CACHE=off (GetProduct from PostgreSQL)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6, help="seconds of each measured run")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", default=str(REPO_ROOT / "bench" / "out"))
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_run(args, Path(args.other).resolve(), out_dir))


if __name__ == "__main__":
    sys.exit(main())
