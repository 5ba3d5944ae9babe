"""The search benchmark: the embedded index (Tantivy) through the real
server, beside a bare grpc.aio server answering the very same bytes, in one
run; then how fresh the index stays, alone and under price ingestion.

Order of one run:
  1. The bench database: `products` products (100,000: the demo catalog
     cloned; `--search-products 1000000` for the scale run, in its own
     database).
  2. A full build of the index from PostgreSQL in this process, into a new
     folder of the bench's VITRINE_SEARCH_DIR: seconds and size on disk. That
     is what a full rebuild costs (ReindexSearch, a lost disk, a new version).
  3. The server (`workers` processes) serving from that folder; each worker's
     RSS once it is ready.
  4. Each request answered once, and the (request, answer) bytes given to a
     bare grpc.aio server (bench/echo_server.py, Replay) that answers every
     request with its recorded bytes: the same bytes on the wire, no search.
  5. One call at a time, through the generated stub: the broadest query
     ("celular", three facets, highlights): p50 and p99 end to end.
  6. ROUNDS rounds, each: the 20-query search mix from `concurrency`
     closed-loop callers, then the bare server under the same load; the
     same for the 10 completions (SuggestProducts). The machine drifts, so
     they alternate and each reports its median round.
  7. Freshness: products created, renamed and deleted through
     CatalogService, each followed by searches every few milliseconds until
     the search shows the change: the lag from the write's answer to the
     first search that sees it (p50, p99, max).
  8. Indexing under write load: `writers` RecordPriceBatch writers (the
     pricing bench's streams) while the search mix runs and a product is
     renamed every 0.25 s and looked for: observations/s, searches/s and the
     lag; then the same writers alone, with the outbox triggers on and off,
     so what the search feed costs ingestion is a ratio of the same run.

Latency is closed-loop (each caller sends its next request when the
previous one answers), measured by the caller, in milliseconds. The callers
run in this Python process, which shares the machine's cores with the
servers: the bare server is measured the same way, so the ratio is fair.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
import os
import shutil
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as cpb
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine.search.v1 import search_service_pb2 as pb
from vitrine.search.v1 import search_service_pb2_grpc
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.db.migrate import Migrator
from vitrine_server.search.engine.directory import IndexDirectory
from vitrine_server.search.engine.follower import build
from vitrine_server.search.engine.schema import Analyzers

from bench import dataset
from bench.options import API_KEY, REPLAY_PATH
from bench.pricing import PricingConfig, choose_offers, ingest, make_streams
from bench.pricing import _new_round as new_round
from bench.servers import (
    ServerProcess,
    echo_server,
    free_port,
    health_status,
    live_group_members,
    vitrine_env,
    vitrine_server,
    warn_if_busy,
)
from bench.servers import channel as bench_channel

CATALOG_PRODUCTS = 100_000
SEARCH_SERVICE = "vitrine.search.v1.SearchService"
SEARCH_PATH = f"/{SEARCH_SERVICE}/SearchProducts"
SUGGEST_PATH = f"/{SEARCH_SERVICE}/SuggestProducts"
# The closed-loop runs send the bench's key with each call, to the service
# and to the bare server alike: the same bytes on the wire and the same work
# in the caller. A client interceptor (bench_channel's) on the service's
# callers only cost this process 5-20% more CPU per call to the service, on
# the cores the servers share (no difference showed in the results).
KEY_METADATA = (("authorization", f"Bearer {API_KEY}"),)
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
# The broadest query of the mix, as a storefront sends it.
BROADEST = pb.SearchProductsRequest(
    query="celular",
    page_size=20,
    facets=ALL_FACETS,
    highlight=pb.HighlightOptions(pre_tag="<b>", post_tag="</b>", crop_words=20),
)

# The targets (2 workers, 100,000 products).
TARGETS = {
    "search_rps": 1000.0,
    "search_p99_ms": 30.0,
    "suggest_rps": 2000.0,
    "suggest_p99_ms": 10.0,
    "single_p50_ms": 5.0,
    "rebuild_s": 10.0,
    "freshness_p99_ms": 1000.0,
}


@dataclass
class SearchBenchConfig:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/vitrine_bench"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "vitrine-bench"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    products: int = CATALOG_PRODUCTS
    concurrency: int = 8
    duration_s: float = 8.0
    rounds: int = 2
    single_calls: int = 300
    freshness_samples: int = 20
    writers: int = 4
    write_duration_s: float = 12.0
    out_dir: Path = Path("bench/out")
    reset_db: bool = False


@dataclass
class Run:
    calls: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def to_json(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "calls": self.calls,
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Call = Callable[[], Awaitable[Any]]


async def closed_loop(calls: list[Call], concurrency: int, duration_s: float) -> Run:
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


def raw_calls(channels: list[grpc.aio.Channel], path: str, bodies: list[bytes]) -> list[Call]:
    """Calls sending pre-serialized bodies and keeping the answer as bytes:
    the caller's own work is the same for the service and the bare server."""
    methods = [
        ch.unary_unary(path, request_serializer=None, response_deserializer=None) for ch in channels
    ]
    counter = iter(range(1 << 62))

    def call(body: bytes) -> Call:
        async def run() -> None:
            await methods[next(counter) % len(methods)](body, timeout=30, metadata=KEY_METADATA)

        return run

    return [call(b) for b in bodies]


def cold_calls(channels: list[grpc.aio.Channel], counter: itertools.count[int]) -> list[Call]:
    """The search mix, each call with a minimum price no other call of the
    run has (1, 2, 3... minor units: it leaves out next to nothing): the
    server remembers plans, pages of hits and facet counts per commit
    (engine/searcher.py), and here every answer is computed afresh."""
    methods = [
        ch.unary_unary(SEARCH_PATH, request_serializer=None, response_deserializer=None)
        for ch in channels
    ]
    bodies = [r.SerializeToString() for r in search_requests()]

    async def run() -> None:
        n = next(counter)
        # Concatenated messages merge: the filter gains the minimum price.
        price = pb.SearchProductsRequest(filter=pb.SearchFilter(min_price_minor=1 + n % 40_000))
        body = bodies[n % len(bodies)] + price.SerializeToString()
        await methods[n % len(methods)](body, timeout=30, metadata=KEY_METADATA)

    return [run]


def search_requests() -> list[pb.SearchProductsRequest]:
    return [pb.SearchProductsRequest(query=q, page_size=20, **extra) for q, extra in QUERIES]


def suggest_requests() -> list[pb.SuggestProductsRequest]:
    return [pb.SuggestProductsRequest(prefix=p, limit=8) for p in PREFIXES]


def database_for(config: SearchBenchConfig) -> str:
    """The bench database; a scale run gets its own (vitrine_bench_1000k)."""
    if config.products == CATALOG_PRODUCTS:
        return config.database_url
    return f"{config.database_url}_{config.products // 1000}k"


async def prepare_database(config: SearchBenchConfig, url: str) -> dict[str, object]:
    await dataset.prepare(url, config.redis_url, config.redis_prefix, reset=config.reset_db)
    await Migrator(url).up()
    return await dataset.ensure_catalog(url, config.products)


async def build_index(url: str, search_dir: Path) -> dict[str, Any]:
    """A full build from PostgreSQL into a new folder, published as current."""
    settings = Settings(database_url=url, search_dir=str(search_dir))
    db = await Database.connect(settings)
    try:
        from vitrine_server.search.documents import Q

        identity = str(await db.fetchval(Q.database_identity))
        directory = IndexDirectory(search_dir, identity)
        directory.ensure()

        async def progress(done: int, total: int) -> None:
            return None

        started = time.perf_counter()
        cpu = time.process_time()
        count = await build(directory, db, Analyzers(), progress)
        seconds = time.perf_counter() - started
        folder = directory.current()
        assert folder is not None
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        return {
            "products": count,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "size_mb": round(size / 1e6, 1),
            "folder": str(folder),
        }
    finally:
        await db.close()


def worker_rss_mb(server: ServerProcess) -> list[float]:
    """Resident memory of each server worker (the group's members but the
    supervisor and multiprocessing's helper)."""
    assert server.proc is not None
    out = []
    for pid in live_group_members(server.proc.pid):
        if pid == server.proc.pid:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"resource_tracker" in cmdline:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            continue
    return sorted(out)


async def wait_search_serving(target: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await health_status(target, SEARCH_SERVICE) == "SERVING":
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{SEARCH_SERVICE} not SERVING after {timeout_s:.0f}s")


async def record_answers(
    channel: grpc.aio.Channel, path: str, bodies: list[bytes]
) -> list[tuple[bytes, bytes]]:
    method = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    return [(b, await method(b, timeout=30)) for b in bodies]


def write_replay(path: Path, exchanges: list[tuple[bytes, bytes]]) -> None:
    with path.open("w") as f:
        for request, response in exchanges:
            f.write(
                json.dumps(
                    {
                        "request": base64.b64encode(request).decode(),
                        "response": base64.b64encode(response).decode(),
                    }
                )
                + "\n"
            )


async def open_channels(target: str, count: int, *, key: bool = True) -> list[grpc.aio.Channel]:
    """`count` channels on separate connections (SO_REUSEPORT spreads
    connections over the workers, not calls); `key`: each call sends the
    bench's key (an interceptor), else the caller sends it (KEY_METADATA)."""
    options = [("grpc.use_local_subchannel_pool", 1)]
    channels = [
        bench_channel(target, options=options)
        if key
        else grpc.aio.insecure_channel(target, options=options)
        for _ in range(count)
    ]
    for c in channels:
        await asyncio.wait_for(c.channel_ready(), timeout=10)
    return channels


async def single_calls(
    channel: grpc.aio.Channel, n: int, *, cold: bool = False
) -> dict[str, float]:
    """The broadest query, one call at a time; `cold`: each call with its
    own minimum price (see cold_calls), so none is answered from what the
    server keeps per commit."""
    stub = search_service_pb2_grpc.SearchServiceStub(channel)
    requests = [BROADEST]
    if cold:
        requests = []
        for i in range(n + 10):
            request = pb.SearchProductsRequest()
            request.CopyFrom(BROADEST)
            request.filter.min_price_minor = 1 + i
            requests.append(request)
    for i in range(10):
        await stub.SearchProducts(requests[i % len(requests)], timeout=30)
    latencies = []
    for i in range(10, n + 10):
        started = time.perf_counter()
        await stub.SearchProducts(requests[i % len(requests)], timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "calls": n,
    }


# -- freshness ----------------------------------------------------------------------


async def visible_after(
    search: search_service_pb2_grpc.SearchServiceStub,
    word: str,
    want: Callable[[list[int]], bool],
    timeout_s: float = 10.0,
) -> float:
    """Milliseconds until a search for `word` satisfies `want` (polled every
    few ms from now)."""
    started = time.perf_counter()
    request = pb.SearchProductsRequest(query=word, page_size=5)
    while True:
        answer = await search.SearchProducts(request, timeout=5)
        if want([h.product.id for h in answer.hits]):
            return (time.perf_counter() - started) * 1000
        if time.perf_counter() - started > timeout_s:
            return float("inf")
        await asyncio.sleep(0.003)


def _word() -> str:
    return "zq" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


async def freshness(channel: grpc.aio.Channel, samples: int) -> dict[str, Any]:
    """Create, rename and delete products through CatalogService, and time
    how long each takes to show in SearchProducts."""
    catalog = catalog_service_pb2_grpc.CatalogServiceStub(channel)
    search = search_service_pb2_grpc.SearchServiceStub(channel)
    category = (
        await catalog.CreateCategory(
            cpb.CreateCategoryRequest(
                category=dict(slug=f"bench-{_word()}", name="Bench freshness")
            )
        )
    ).category
    lags: dict[str, list[float]] = {"create": [], "update": [], "delete": []}
    for _ in range(samples):
        w = _word()
        product = (
            await catalog.CreateProduct(
                cpb.CreateProductRequest(
                    product=dict(slug=f"p-{w}", name=f"Bench {w}", category_id=category.id)
                )
            )
        ).product
        lags["create"].append(await visible_after(search, w, _has(product.id)))
        renamed = _word()
        await catalog.UpdateProduct(
            cpb.UpdateProductRequest(
                product=dict(id=product.id, name=f"Bench {renamed}"),
                update_mask={"paths": ["name"]},
            )
        )
        lags["update"].append(await visible_after(search, renamed, _has(product.id)))
        await catalog.DeleteProduct(cpb.DeleteProductRequest(id=product.id))
        lags["delete"].append(await visible_after(search, renamed, _lacks(product.id)))
    return _lag_summary(lags)


def _has(product_id: int) -> Callable[[list[int]], bool]:
    return lambda ids: product_id in ids


def _lacks(product_id: int) -> Callable[[list[int]], bool]:
    return lambda ids: product_id not in ids


def _lag_summary(lags: dict[str, list[float]]) -> dict[str, Any]:
    every = [v for values in lags.values() for v in values]
    out: dict[str, Any] = {
        kind: {
            "p50_ms": round(percentile(v, 0.5), 1),
            "p99_ms": round(percentile(v, 0.99), 1),
            "max_ms": round(max(v), 1),
        }
        for kind, v in lags.items()
        if v
    }
    out["all"] = {
        "p50_ms": round(percentile(every, 0.5), 1),
        "p99_ms": round(percentile(every, 0.99), 1),
        "max_ms": round(max(every), 1) if every else None,
        "samples": len(every),
    }
    return out


# -- indexing under write load ----------------------------------------------------------


async def write_load(
    config: SearchBenchConfig, url: str, server: ServerProcess, search_calls: list[Call]
) -> dict[str, Any]:
    pricing = PricingConfig(
        database_url=url,
        writers=config.writers,
        batch_size=1_000,
        offers=20_000,
        workers=config.workers,
    )
    conn = await asyncpg.connect(url)
    try:
        groups, _stores, latest = await choose_offers(conn, pricing)
    finally:
        await conn.close()
    streams, _ = make_streams(groups, latest, pricing)
    channels = await open_channels(server.target, config.writers)
    stubs = [pricing_service_pb2_grpc.PricingServiceStub(c) for c in channels]
    probe_channel = (await open_channels(server.target, 1))[0]
    catalog = catalog_service_pb2_grpc.CatalogServiceStub(probe_channel)
    search = search_service_pb2_grpc.SearchServiceStub(probe_channel)
    category = (
        await catalog.CreateCategory(
            cpb.CreateCategoryRequest(category=dict(slug=f"bench-{_word()}", name="Bench lag"))
        )
    ).category
    product = (
        await catalog.CreateProduct(
            cpb.CreateProductRequest(
                product=dict(slug=f"p-{_word()}", name="Bench lag", category_id=category.id)
            )
        )
    ).product
    out: dict[str, Any] = {}
    try:
        # Warm: the first batches plan their statements.
        await ingest(stubs, streams, pricing, new_round(0, config.writers), max_batches=1)

        # 1. Writers, searches and a renamed product at once.
        lags: list[float] = []
        stop = time.monotonic() + config.write_duration_s

        async def probe() -> None:
            while time.monotonic() < stop:
                w = _word()
                await catalog.UpdateProduct(
                    cpb.UpdateProductRequest(
                        product=dict(id=product.id, name=f"Bench {w}"),
                        update_mask={"paths": ["name"]},
                    )
                )
                lags.append(await visible_after(search, w, _has(product.id)))
                await asyncio.sleep(0.25)

        both = new_round(1, config.writers)
        searches, _, _ = await asyncio.gather(
            closed_loop(search_calls, max(1, config.concurrency // 2), config.write_duration_s),
            ingest(stubs, streams, pricing, both, duration_s=config.write_duration_s),
            probe(),
        )
        out["with_searches"] = {
            "observations_per_s": round(both.observations / both.wall_s, 1),
            "searches": searches.to_json(),
            "lag": _lag_summary({"rename": lags})["rename"] if lags else {},
        }
        # 2. Writers alone, the search feed on, then off: its cost.
        alone = await ingest(
            stubs,
            streams,
            pricing,
            new_round(2, config.writers),
            duration_s=config.write_duration_s,
        )
        triggers = ("products_outbox_update", "products_outbox_insert")
        async with _triggers_off(url, triggers):
            without = await ingest(
                stubs,
                streams,
                pricing,
                new_round(3, config.writers),
                duration_s=config.write_duration_s,
            )
        feed_on = alone.observations / alone.wall_s
        feed_off = without.observations / without.wall_s
        out["alone_feed_on_obs_per_s"] = round(feed_on, 1)
        out["alone_feed_off_obs_per_s"] = round(feed_off, 1)
        out["feed_cost_ratio"] = round(feed_on / feed_off, 3) if feed_off else None
    finally:
        for c in [*channels, probe_channel]:
            await c.close()
    return out


class _triggers_off:
    """The search feed's triggers disabled for a while (the index misses
    what is written meanwhile: the bench rebuilds it on its next run)."""

    def __init__(self, url: str, triggers: tuple[str, ...]):
        self._url = url
        self._triggers = triggers

    async def _set(self, state: str) -> None:
        conn = await asyncpg.connect(self._url)
        try:
            for t in self._triggers:
                # Trigger names are the bench's constants, never input.
                await conn.execute(f"ALTER TABLE products {state} TRIGGER {t}")
        finally:
            await conn.close()

    async def __aenter__(self) -> None:
        await self._set("DISABLE")

    async def __aexit__(self, *exc: object) -> None:
        await self._set("ENABLE")


# -- the run --------------------------------------------------------------------------


async def run_search_bench(config: SearchBenchConfig) -> dict[str, Any]:
    config.out_dir.mkdir(parents=True, exist_ok=True)
    url = database_for(config)
    report: dict[str, Any] = {"loadavg_before": warn_if_busy(), "database": url}
    report["dataset"] = await prepare_database(config, url)
    search_dir = config.out_dir / "search-index"  # one folder per database inside
    if config.reset_db:
        shutil.rmtree(search_dir, ignore_errors=True)
    print("  building the index from PostgreSQL...", flush=True)
    report["build"] = await build_index(url, search_dir)
    print(f"  built: {report['build']}", flush=True)

    searches = [r.SerializeToString() for r in search_requests()]
    completions = [r.SerializeToString() for r in suggest_requests()]
    env = vitrine_env(url, config.redis_url, config.redis_prefix)
    env["VITRINE_SEARCH_DIR"] = str(search_dir.resolve())
    server = vitrine_server(free_port(), config.workers, config.out_dir / "search-server.log", env)
    runs: dict[str, list[Run]] = {
        k: [] for k in ("search", "search_bare", "search_cold", "suggest", "suggest_bare")
    }
    async with server:
        await wait_search_serving(server.target)
        report["rss_per_worker_mb"] = worker_rss_mb(server)
        record = (await open_channels(server.target, 1))[0]
        replay = config.out_dir / "search-replay.jsonl"
        write_replay(
            replay,
            await record_answers(record, SEARCH_PATH, searches)
            + await record_answers(record, SUGGEST_PATH, completions),
        )
        report["single_call"] = await single_calls(record, config.single_calls)
        print(f"  single call, broadest query: {report['single_call']}", flush=True)
        report["single_call_cold"] = await single_calls(record, config.single_calls, cold=True)
        print(f"  the same, each call new: {report['single_call_cold']}", flush=True)
        bare = echo_server(
            free_port(), config.workers, config.out_dir / "search-bare.log", replay=replay
        )
        async with bare:
            service_channels = await open_channels(server.target, config.concurrency, key=False)
            bare_channels = await open_channels(bare.target, config.concurrency, key=False)
            loads = {
                "search": raw_calls(service_channels, SEARCH_PATH, searches),
                "search_bare": raw_calls(bare_channels, REPLAY_PATH, searches),
                "search_cold": cold_calls(service_channels, itertools.count()),
                "suggest": raw_calls(service_channels, SUGGEST_PATH, completions),
                "suggest_bare": raw_calls(bare_channels, REPLAY_PATH, completions),
            }
            for key, calls in loads.items():  # warm: connections, caches
                for c in calls if key != "search_cold" else ():
                    await c()
            for r in range(config.rounds):
                for key, calls in loads.items():
                    run = await closed_loop(calls, config.concurrency, config.duration_s)
                    runs[key].append(run)
                    print(
                        f"  round {r + 1} {key:13} {run.rps:8.1f}/s  p50 "
                        f"{run.percentile(0.5):6.2f} ms  p99 {run.percentile(0.99):6.2f} ms",
                        flush=True,
                    )
            for c in [*service_channels, *bare_channels]:
                await c.close()
        report["rss_per_worker_mb_after_load"] = worker_rss_mb(server)
        print("  freshness of CatalogService writes...", flush=True)
        report["freshness"] = await freshness(record, config.freshness_samples)
        print(f"  freshness: {report['freshness']['all']}", flush=True)
        if config.writers:
            print(f"  {config.writers} RecordPriceBatch writers with searches...", flush=True)
            search_channels = await open_channels(server.target, config.concurrency, key=False)
            report["write_load"] = await write_load(
                config, url, server, raw_calls(search_channels, SEARCH_PATH, searches)
            )
            for c in search_channels:
                await c.close()
        await record.close()
    report["loadavg_after"] = os.getloadavg()[0]
    report["config"] = {
        k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(config).items()
    }
    report["config"]["queries"] = [q for q, _ in QUERIES]
    report["config"]["prefixes"] = PREFIXES
    report["rounds"] = {k: [r.to_json() for r in v] for k, v in runs.items()}
    report["median"] = {k: _median(v) for k, v in runs.items()}
    report["ratios"] = {
        kind: _ratio(report["median"][kind]["rps"], report["median"][f"{kind}_bare"]["rps"])
        for kind in ("search", "suggest")
    }
    report["ratios"]["search_cold"] = _ratio(
        report["median"]["search_cold"]["rps"], report["median"]["search_bare"]["rps"]
    )
    report["targets"] = targets(report, config)
    report_path(config).write_text(json.dumps(report, indent=2) + "\n")
    return report


def report_path(config: SearchBenchConfig) -> Path:
    """bench/out/search.json; a scale run's beside it (search-1000k.json)."""
    if config.products == CATALOG_PRODUCTS:
        return config.out_dir / "search.json"
    return config.out_dir / f"search-{config.products // 1000}k.json"


def targets(report: dict[str, Any], config: SearchBenchConfig) -> dict[str, dict[str, Any]]:
    m = report["median"]
    measured = {
        "search_rps": (m["search"]["rps"], ">="),
        "search_p99_ms": (m["search"]["p99_ms"], "<="),
        "suggest_rps": (m["suggest"]["rps"], ">="),
        "suggest_p99_ms": (m["suggest"]["p99_ms"], "<="),
        "single_p50_ms": (report["single_call"]["p50_ms"], "<="),
        "freshness_p99_ms": (report["freshness"]["all"]["p99_ms"], "<="),
    }
    if config.products == CATALOG_PRODUCTS:
        measured["rebuild_s"] = (report["build"]["seconds"], "<=")
    out = {}
    for name, (value, op) in measured.items():
        goal = TARGETS[name]
        met = value >= goal if op == ">=" else value <= goal
        out[name] = {"value": value, "target": f"{op} {goal:g}", "met": met}
    return out


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
        f"{'scenario':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}",
        "-" * 77,
    ]
    names = {
        "search": "SearchProducts, 20-query mix",
        "search_bare": "  bare grpc.aio server, same bytes",
        "search_cold": "  every call a new search (nothing kept)",
        "suggest": "SuggestProducts, 10 prefixes",
        "suggest_bare": "  bare grpc.aio server, same bytes",
    }
    for key, name in names.items():
        ratio = f"{ratios[key]:.2f}x" if ratios.get(key) else ""
        lines.append(
            f"{name:40} {m[key]['rps']:9.1f} {m[key]['p50_ms']:8.2f} {m[key]['p99_ms']:8.2f}"
            f" {ratio:>8}"
        )
    b, s, sc = report["build"], report["single_call"], report.get("single_call_cold") or {}
    lines.append(
        f"one call at a time, 'celular' + 3 facets + highlights: p50 {s['p50_ms']} ms, "
        f"p99 {s['p99_ms']} ms; each call new: p50 {sc.get('p50_ms')} ms, "
        f"p99 {sc.get('p99_ms')} ms"
    )
    lines.append(
        f"full build of {b['products']:,} products: {b['seconds']} s ({b['cpu_seconds']} s CPU), "
        f"{b['size_mb']} MB; RSS per worker {report['rss_per_worker_mb_after_load']} MB"
    )
    f = report["freshness"]
    lines.append(
        "CatalogService write -> searchable: "
        + ", ".join(
            f"{k} p50 {v['p50_ms']} / p99 {v['p99_ms']} ms" for k, v in f.items() if k != "all"
        )
    )
    w = report.get("write_load")
    if w:
        ws = w["with_searches"]
        lines.append(
            f"under {report['config']['writers']} RecordPriceBatch writers: "
            f"{ws['observations_per_s']:,} observations/s and {ws['searches']['rps']} "
            f"searches/s (p99 {ws['searches']['p99_ms']} ms), rename -> searchable "
            f"p50 {ws['lag'].get('p50_ms')} / p99 {ws['lag'].get('p99_ms')} ms"
        )
        lines.append(
            f"writers alone: {w['alone_feed_on_obs_per_s']:,} observations/s with the search "
            f"feed, {w['alone_feed_off_obs_per_s']:,} without ({w['feed_cost_ratio']}x)"
        )
    lines.append(
        "targets: "
        + ", ".join(
            f"{k} {v['value']} ({v['target']}: {'met' if v['met'] else 'MISSED'})"
            for k, v in report["targets"].items()
        )
    )
    return "\n".join(lines)
