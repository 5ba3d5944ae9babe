"""`python -m bench` (what `make bench` runs): the catalog, price-ingestion and search benchmarks.

Prints a table per benchmark and writes bench/out/catalog.json,
bench/out/pricing.json and bench/out/search.json (`--only` runs one of
them). Exit status: 0 if every scenario was measured and every target met,
1 if a target was missed, 2 if a scenario could not be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from bench.catalog import BenchConfig, evaluate_targets, run_catalog_bench
from bench.cluster import ClusterBenchConfig, run_cluster_bench
from bench.cluster import table as cluster_table
from bench.h2load import H2LoadError, LoadSettings, h2load_binary
from bench.pricing import PricingConfig, run_pricing_bench
from bench.pricing import table as pricing_table
from bench.pricing import write_report as write_pricing_report
from bench.report import table, to_json, write_json
from bench.search import SearchBenchConfig, run_search_bench
from bench.search import report_path as search_report_path
from bench.search import table as search_table


def _args(argv: list[str] | None) -> argparse.Namespace:
    d, dl, dp = BenchConfig(), LoadSettings(), PricingConfig()
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--only",
        choices=("all", "catalog", "pricing", "search", "cluster"),
        default="all",
        help="run one benchmark (default: all, catalog, pricing, search, then cluster: "
        "two instances with a replica and a Redis Cluster against one)",
    )
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
    g = p.add_argument_group("pricing (RecordPriceBatch beside a raw COPY)")
    g.add_argument("--pricing-writers", type=int, default=dp.writers, help="concurrent writers")
    g.add_argument(
        "--pricing-batch-size", type=int, default=dp.batch_size, help="observations per batch"
    )
    g.add_argument(
        "--pricing-offers", type=int, default=dp.offers, help="offers observed (over all writers)"
    )
    g.add_argument(
        "--pricing-duration",
        type=float,
        default=dp.duration_s,
        help="seconds of each round of ingestion",
    )
    g.add_argument("--pricing-rounds", type=int, default=dp.rounds)
    g.add_argument("--pricing-seed", type=int, default=dp.seed)
    g.add_argument(
        "--pricing-until-rows",
        type=int,
        default=None,
        help="after the rounds, ingest until price_points holds this many rows "
        "(e.g. 10000000); reports the first and last rounds' throughput and the sizes",
    )
    g.add_argument(
        "--pricing-stream-batch-size",
        type=int,
        default=dp.stream_batch_size,
        help="observations per RecordPrices message",
    )
    g.add_argument(
        "--pricing-stream-duration",
        type=float,
        default=dp.stream_duration_s,
        help="seconds of RecordPrices streaming (0: skip)",
    )
    ds = SearchBenchConfig()
    g = p.add_argument_group("search (the embedded index beside a bare server answering its bytes)")
    g.add_argument("--search-concurrency", type=int, default=ds.concurrency, help="callers")
    g.add_argument("--search-duration", type=float, default=ds.duration_s, help="seconds a run")
    g.add_argument("--search-rounds", type=int, default=ds.rounds)
    g.add_argument(
        "--search-products",
        type=int,
        default=ds.products,
        help="catalog size (not 100,000: its own database, <database>_<N/1000>k)",
    )
    g.add_argument(
        "--search-writers",
        type=int,
        default=ds.writers,
        help="RecordPriceBatch writers beside searches (0: skip that part)",
    )
    dc = ClusterBenchConfig()
    g = p.add_argument_group("cluster (two instances, a replica, a Redis Cluster vs one instance)")
    g.add_argument("--cluster-products", type=int, default=dc.products, help="catalog size")
    g.add_argument("--cluster-rounds", type=int, default=dc.rounds)
    return p.parse_args(argv)


def _catalog(args: argparse.Namespace) -> int:
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


def _pricing(args: argparse.Namespace, reset_db: bool) -> int:
    config = PricingConfig(
        database_url=args.database_url,
        redis_url=args.redis_url,
        redis_prefix=args.redis_prefix,
        workers=args.workers,
        out_dir=args.out,
        reset_db=reset_db,
        writers=args.pricing_writers,
        batch_size=args.pricing_batch_size,
        offers=args.pricing_offers,
        duration_s=args.pricing_duration,
        rounds=args.pricing_rounds,
        seed=args.pricing_seed,
        until_rows=args.pricing_until_rows,
        stream_batch_size=args.pricing_stream_batch_size,
        stream_duration_s=args.pricing_stream_duration,
    )
    print(
        f"pricing bench: {config.workers} server workers, {config.writers} writers sending "
        f"RecordPriceBatch({config.batch_size:,}), {config.rounds} rounds of "
        f"{config.duration_s:g}s, each followed by a COPY of the same rows "
        f"({os.cpu_count()} CPUs)",
        flush=True,
    )
    started = time.monotonic()
    report = asyncio.run(run_pricing_bench(config))
    data = write_pricing_report(report, started)
    print()
    print(pricing_table(report))
    print(f"\n{data['bench_seconds']}s; results in {config.out_dir / 'pricing.json'}")
    return 0 if data["measured"] else 2


def _search(args: argparse.Namespace, reset_db: bool) -> int:
    config = SearchBenchConfig(
        database_url=args.database_url,
        redis_url=args.redis_url,
        redis_prefix=args.redis_prefix,
        workers=args.workers,
        concurrency=args.search_concurrency,
        duration_s=args.search_duration,
        rounds=args.search_rounds,
        products=args.search_products,
        writers=args.search_writers,
        out_dir=args.out,
        reset_db=reset_db,
    )
    print(
        f"search bench: {config.products:,} products, {config.workers} server workers, "
        f"{config.concurrency} closed-loop callers, {config.rounds} rounds of "
        f"{config.duration_s:g}s per scenario, the service and a bare server answering the "
        f"same bytes alternating ({os.cpu_count()} CPUs)",
        flush=True,
    )
    started = time.monotonic()
    report = asyncio.run(run_search_bench(config))
    print()
    print(search_table(report))
    print(f"\n{time.monotonic() - started:.1f}s; results in {search_report_path(config)}")
    return 0 if all(t["met"] for t in report["targets"].values()) else 1


def _cluster(args: argparse.Namespace) -> int:
    try:
        h2load_binary()
    except H2LoadError as e:
        print(e, file=sys.stderr)
        return 2
    config = ClusterBenchConfig(
        workers=args.workers,
        load=LoadSettings(
            connections=args.connections,
            streams=args.streams,
            duration_s=args.duration,
            warmup_s=args.warmup,
        ),
        products=args.cluster_products,
        rounds=args.cluster_rounds,
        out_dir=args.out,
    )
    print(
        f"cluster bench: one instance of {config.workers} workers against two of "
        f"{max(1, config.workers // 2)} with a PostgreSQL replica and a Redis Cluster, "
        f"{config.rounds} rounds per scenario ({os.cpu_count()} CPUs)",
        flush=True,
    )
    started = time.monotonic()
    report = asyncio.run(run_cluster_bench(config))
    report["bench_seconds"] = round(time.monotonic() - started, 1)
    out = config.out_dir / "cluster.json"
    write_json(out, report)
    print()
    print(cluster_table(report))
    print(f"\n{report['bench_seconds']}s; results in {out}")
    return 0 if report.get("measured") else 2


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    codes = []
    if args.only in ("all", "catalog"):
        codes.append(_catalog(args))
    if args.only in ("all", "pricing"):
        if codes:
            print()
        # After the catalog bench, the database was already reset if asked.
        codes.append(_pricing(args, reset_db=args.reset_db and args.only == "pricing"))
    if args.only in ("all", "search"):
        if codes:
            print()
        codes.append(_search(args, reset_db=args.reset_db and args.only == "search"))
    if args.only in ("all", "cluster"):
        if codes:
            print()
        codes.append(_cluster(args))
    return 2 if 2 in codes else max(codes)


if __name__ == "__main__":
    sys.exit(main())
