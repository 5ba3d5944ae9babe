"""The search benchmark: SearchProducts and SuggestProducts through the real
server, beside the very same SQL run directly through asyncpg, in one run.

Order of one run:
  1. The bench database (100,000 products: the demo catalog cloned).
  2. The request mix: typos, synonyms, prefixes, brand + model, filters and
     facets (QUERIES), and search-as-you-type prefixes (PREFIXES).
  3. The SQL of each request, recorded by running the embedded backend
     in-process once: the word lookup and the search statement with their
     exact parameters. The baseline replays those statements through an
     asyncpg pool with the server's session settings, so the ratio is the
     cost of everything the service adds: gRPC, validation, planning,
     protobuf, the worker processes.
  4. ROUNDS rounds, each: the service under closed-loop load from
     `concurrency` callers for `duration_s`, then the SQL under the same
     load. The machine drifts, so the two alternate and each reports its
     median round.

Latency here is closed-loop (each caller sends its next request when the
previous one answers), measured by the caller, in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from vitrine.search.v1 import search_service_pb2 as pb
from vitrine.search.v1 import search_service_pb2_grpc
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.db.migrate import Migrator
from vitrine_server.search import validate

from vitrine_server.search.settings import SettingsStore

from bench import dataset
from bench.servers import channel as bench_channel
from bench.servers import free_port, vitrine_env, vitrine_server, warn_if_busy

CATALOG_PRODUCTS = 100_000
ALL_FACETS = [
    pb.FacetRequest(field=pb.FacetRequest.FIELD_BRAND),
    pb.FacetRequest(field=pb.FacetRequest.FIELD_STORE),
    pb.FacetRequest(field=pb.FacetRequest.FIELD_PRICE, price_edges_minor=[50000, 200000, 500000]),
]

# What people type, as a store's search box receives it.
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("iphone 15", {}),
    ("iphnoe", {}),
    ("galaxy s24 ultra", {}),
    ("samsung", {"facets": ALL_FACETS}),
    ("geladeira brastemp", {"facets": ALL_FACETS}),
    ("geladiera", {}),
    ("celular", {"facets": ALL_FACETS}),
    ("notebook dell", {"sort": pb.SEARCH_SORT_PRICE_ASC}),
    ("laptop", {}),
    ("smart tv 55", {"facets": ALL_FACETS}),
    ("fone de ouvido bluetooth", {}),
    ("tenis nike", {"filter": {"max_price_minor": 50000}}),
    ("air fry", {}),
    ("micro-ondas", {"facets": ALL_FACETS}),
    ("cafeteira nespresso", {}),
    ("perfume", {"sort": pb.SEARCH_SORT_RATING, "facets": ALL_FACETS}),
    ("mouse gamer", {"filter": {"min_rating": 4.0}}),
    ("ar condicionado 12000", {}),
    ("colchao queen", {}),
    ("maquina de lavar", {"filter": {"in_stock_only": True}, "facets": ALL_FACETS}),
]
PREFIXES = ["ge", "gela", "gelad", "ip", "iph", "sams", "samsung ga", "note", "notebook de", "fo"]


@dataclass
class SearchBenchConfig:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/vitrine_bench"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "vitrine-bench"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    concurrency: int = 8
    duration_s: float = 8.0
    rounds: int = 2
    out_dir: Path = Path("bench/out")
    reset_db: bool = False


@dataclass
class Run:
    calls: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.calls / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def to_json(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "calls": self.calls,
        }


async def closed_loop(
    calls: list[Callable[[], Awaitable[Any]]], concurrency: int, duration_s: float
) -> Run:
    """`concurrency` callers, each cycling through `calls` from its own offset."""
    latencies: list[float] = []
    stop = time.perf_counter() + duration_s

    async def caller(offset: int) -> None:
        i = offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await calls[i % len(calls)]()
            latencies.append((time.perf_counter() - started) * 1000)
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller(k * 7) for k in range(concurrency)))
    return Run(len(latencies), time.perf_counter() - started, latencies)


class RecordingDatabase(Database):
    """A Database that also records the search statements it runs."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings):
        super().__init__(pool, settings)
        self.recorded: list[tuple[str, str, tuple[Any, ...]]] = []
        self.recording = False

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        if self.recording:
            self.recorded.append(("fetch", query, args))
        return await super().fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        if self.recording:
            self.recorded.append(("fetchrow", query, args))
        return await super().fetchrow(query, *args)


async def record_sql(
    database_url: str, requests: list[Any], suggest: bool
) -> list[list[tuple[str, str, tuple[Any, ...]]]]:
    """The statements the embedded backend runs for each request."""
    settings = Settings(database_url=database_url)
    plain = await Database.connect(settings)
    db = RecordingDatabase(plain.pool, settings)
    store = SettingsStore(db)
    backend = PostgresSearch(db, store)
    await store.current()  # cached in the server too: not part of a search
    out = []
    try:
        for request in requests:
            db.recorded = []
            db.recording = True
            if suggest:
                await backend.suggest(validate.suggest_request(request)[0])
            else:
                await backend.search(validate.search_request(request)[0])
            db.recording = False
            out.append(db.recorded)
    finally:
        await db.close()
    return out


async def sql_pool(database_url: str, size: int) -> asyncpg.Pool:
    """A pool like the server's: same session settings and JSON codecs."""

    async def init(conn: asyncpg.Connection) -> None:
        for name in ("json", "jsonb"):
            await conn.set_type_codec(
                name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )

    pool = await asyncpg.create_pool(
        database_url,
        min_size=size,
        max_size=size,
        init=init,
        server_settings={"jit": "off", "plan_cache_mode": "force_custom_plan"},
    )
    assert pool is not None
    return pool


def sql_calls(
    pool: asyncpg.Pool, recorded: list[list[tuple[str, str, tuple[Any, ...]]]]
) -> list[Callable[[], Awaitable[Any]]]:
    def call(statements: list[tuple[str, str, tuple[Any, ...]]]) -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            # One connection per statement, as the service acquires them.
            for method, query, args in statements:
                async with pool.acquire() as conn:
                    await getattr(conn, method)(query, *args)

        return run

    return [call(s) for s in recorded]


def service_calls(
    stub: search_service_pb2_grpc.SearchServiceStub, requests: list[Any], suggest: bool
) -> list[Callable[[], Awaitable[Any]]]:
    method = stub.SuggestProducts if suggest else stub.SearchProducts

    def call(request: Any) -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            await method(request, timeout=30)

        return run

    return [call(r) for r in requests]


def search_requests() -> list[pb.SearchProductsRequest]:
    return [pb.SearchProductsRequest(query=q, page_size=20, **extra) for q, extra in QUERIES]


def suggest_requests() -> list[pb.SuggestProductsRequest]:
    return [pb.SuggestProductsRequest(prefix=p, limit=8) for p in PREFIXES]


async def prepare_database(config: SearchBenchConfig) -> dict[str, object]:
    await dataset.prepare(
        config.database_url, config.redis_url, config.redis_prefix, reset=config.reset_db
    )
    await Migrator(config.database_url).up()
    return await dataset.ensure_catalog(config.database_url, CATALOG_PRODUCTS)


async def run_search_bench(config: SearchBenchConfig) -> dict[str, Any]:
    config.out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"loadavg_before": warn_if_busy()}
    report["dataset"] = await prepare_database(config)
    searches, suggestions = search_requests(), suggest_requests()
    recorded = {
        "search": await record_sql(config.database_url, searches, suggest=False),
        "suggest": await record_sql(config.database_url, suggestions, suggest=True),
    }
    port = free_port()
    env = vitrine_env(config.database_url, config.redis_url, config.redis_prefix)
    server = vitrine_server(port, config.workers, config.out_dir / "search-server.log", env)
    pool = await sql_pool(config.database_url, config.concurrency)
    runs: dict[str, list[Run]] = {k: [] for k in ("search", "search_sql", "suggest", "suggest_sql")}
    try:
        async with server:
            channel = bench_channel(server.target)
            stub = search_service_pb2_grpc.SearchServiceStub(channel)
            loads = {
                "search": service_calls(stub, searches, suggest=False),
                "search_sql": sql_calls(pool, recorded["search"]),
                "suggest": service_calls(stub, suggestions, suggest=True),
                "suggest_sql": sql_calls(pool, recorded["suggest"]),
            }
            for calls in loads.values():  # warm: plans, caches, connections
                for c in calls:
                    await c()
            for r in range(config.rounds):
                for key, calls in loads.items():
                    run = await closed_loop(calls, config.concurrency, config.duration_s)
                    runs[key].append(run)
                    p50, p99 = run.percentile(0.5), run.percentile(0.99)
                    print(
                        f"  round {r + 1} {key:12} {run.rps:8.1f}/s"
                        f"  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms",
                        flush=True,
                    )
            await channel.close()
    finally:
        await pool.close()
    report["loadavg_after"] = os.getloadavg()[0]
    report["config"] = {
        "workers": config.workers,
        "concurrency": config.concurrency,
        "duration_s": config.duration_s,
        "rounds": config.rounds,
        "queries": [q for q, _ in QUERIES],
        "prefixes": PREFIXES,
    }
    report["rounds"] = {k: [r.to_json() for r in v] for k, v in runs.items()}
    report["median"] = {k: _median(v) for k, v in runs.items()}
    report["ratios"] = {
        kind: {
            "rps": _ratio(report["median"][kind]["rps"], report["median"][f"{kind}_sql"]["rps"]),
            "p50": _ratio(
                report["median"][kind]["p50_ms"], report["median"][f"{kind}_sql"]["p50_ms"]
            ),
            "p99": _ratio(
                report["median"][kind]["p99_ms"], report["median"][f"{kind}_sql"]["p99_ms"]
            ),
        }
        for kind in ("search", "suggest")
    }
    (config.out_dir / "search.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _median(runs: list[Run]) -> dict[str, float]:
    return {
        "rps": round(statistics.median(r.rps for r in runs), 1),
        "p50_ms": round(statistics.median(r.percentile(0.5) for r in runs), 2),
        "p99_ms": round(statistics.median(r.percentile(0.99) for r in runs), 2),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def table(report: dict[str, Any]) -> str:
    m, ratios = report["median"], report["ratios"]
    lines = [
        f"{'scenario':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}",
        "-" * 62,
    ]
    names = {
        "search": "SearchProducts (service)",
        "search_sql": "  same SQL through asyncpg",
        "suggest": "SuggestProducts (service)",
        "suggest_sql": "  same SQL through asyncpg",
    }
    for key, name in names.items():
        lines.append(
            f"{name:34} {m[key]['rps']:9.1f} {m[key]['p50_ms']:8.1f} {m[key]['p99_ms']:8.1f}"
        )
    for kind in ("search", "suggest"):
        r = ratios[kind]
        lines.append(
            f"{kind}: service / SQL = {r['rps']}x throughput, {r['p50']}x p50, {r['p99']}x p99"
        )
    return "\n".join(lines)
