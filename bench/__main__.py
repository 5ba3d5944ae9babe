"""`python -m bench` (what `make bench` runs): the catalog benchmark.

Prints a table and writes bench/out/catalog.json. Exit status: 0 if every
scenario was measured and every target met, 1 if a target was missed, 2 if
a scenario could not be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from bench.catalog import BenchConfig, evaluate_targets, run_catalog_bench
from bench.h2load import H2LoadError, LoadSettings, h2load_binary
from bench.report import table, to_json, write_json


def _args(argv: list[str] | None) -> argparse.Namespace:
    d, dl = BenchConfig(), LoadSettings()
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=d.database_url)
    p.add_argument("--redis-url", default=d.redis_url)
    p.add_argument("--redis-prefix", default=d.redis_prefix)
    p.add_argument(
        "--workers",
        type=int,
        default=d.workers,
        help="worker processes of every server (default: CPU count)",
    )
    p.add_argument("-c", "--connections", type=int, default=dl.connections)
    p.add_argument(
        "-m", "--streams", type=int, default=dl.streams, help="concurrent streams per connection"
    )
    p.add_argument(
        "-D", "--duration", type=int, default=dl.duration_s, help="seconds of each measured run"
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=dl.warmup_s,
        help="seconds of the warm-up run before each measured run",
    )
    p.add_argument(
        "--reset-db",
        action="store_true",
        help="drop and re-create the bench database (and re-seed it)",
    )
    p.add_argument("--out", type=Path, default=d.out_dir)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    try:
        h2load_binary()
    except H2LoadError as e:
        print(e, file=sys.stderr)
        return 2
    config = BenchConfig(
        database_url=args.database_url,
        redis_url=args.redis_url,
        redis_prefix=args.redis_prefix,
        workers=args.workers,
        load=LoadSettings(
            connections=args.connections,
            streams=args.streams,
            duration_s=args.duration,
            warmup_s=args.warmup,
        ),
        out_dir=args.out,
        reset_db=args.reset_db,
    )
    print(
        f"catalog bench: {config.workers} workers per server, h2load -c "
        f"{config.load.connections} -m {config.load.streams} -t {config.load.threads}, "
        f"{config.load.warmup_s}s warm-up + {config.load.duration_s}s per scenario "
        f"({os.cpu_count()} CPUs)",
        flush=True,
    )
    started = time.monotonic()
    report = asyncio.run(run_catalog_bench(config))
    targets = evaluate_targets(report)
    data = to_json(report, targets)
    data["bench_seconds"] = round(time.monotonic() - started, 1)
    out = config.out_dir / "catalog.json"
    write_json(out, data)

    print()
    print(table(report, targets))
    print(f"\n{data['bench_seconds']}s; results in {out}")
    if not data["all_measured"]:
        return 2
    return 0 if data["all_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
