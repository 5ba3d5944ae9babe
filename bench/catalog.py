"""The catalog benchmark: scenarios, how each one is checked and run, targets.

Order of one run:
  1. Vitrine, cache on: migrate + seed the bench database, then
     BatchGetProducts(100), and ListProducts page 1 and page 500 alternated
     for ROUNDS rounds (their ratios are per round, then the median).
  2. Head to head: the bare echo server and Vitrine with VITRINE_CACHE=off
     start beside it, and the scenarios compared with echo run interleaved,
     one at a time, for ROUNDS rounds: echo (a response the size of
     GetProduct's, plus a plain echo of the request for reference),
     GetProduct from the in-process tier (max_staleness, opt-in), from Redis,
     and from PostgreSQL. Each reports its median round. This machine's
     speed drifts by tens of percent within a minute: measuring the ratios
     in alternation, rather than echo once and each RPC once, keeps the
     drift out of them. Only one server is under load at a time; the idle
     ones cost nothing measurable.

Every scenario first makes the exact call h2load will replay with a real
gRPC client and checks the answer, replays a short verbose sample counting
grpc-status, runs the load, then checks the server is still healthy and
still answers right.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import duration_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as pb

from bench import dataset
from bench.h2load import LoadResult, LoadSettings, run_load, sample_grpc_statuses, write_body
from bench.options import ECHO_PATH, SIZED_PATH, options_drift
from bench.servers import (
    ServerFailed,
    ServerProcess,
    echo_server,
    free_port,
    vitrine_env,
    vitrine_server,
    warn_if_busy,
)
from bench.servers import channel as bench_channel

SERVICE = "/vitrine.catalog.v1.CatalogService"
PAGE_SIZE = 20
DEEP_PAGE = 500
# The deep page is the one among DEEP_PAGE.. DEEP_PAGE + DEEP_PAGE_SPAN whose
# payload is closest to page 1's (see deep_page_token).
DEEP_PAGE_SPAN = 20
BATCH_SIZE = 100
CATALOG_PRODUCTS = 100_000

# Scenario keys (also the JSON keys), in table order.
ECHO = "echo"
ECHO_PLAIN = "echo_request"
GET_LOCAL = "get_product_in_process"
GET_CACHE = "get_product_cache"
GET_PG = "get_product_postgres"
BATCH = "batch_get_products_100"
LIST_P1 = "list_products_page_1"
LIST_DEEP = "list_products_page_500"
ORDER = (ECHO, ECHO_PLAIN, GET_LOCAL, GET_CACHE, GET_PG, BATCH, LIST_P1, LIST_DEEP)
# The staleness the in-process scenario's caller accepts.
LOCAL_STALENESS_S = 10
# Rounds of the head-to-head scenarios (each reports its median round).
ROUNDS = 3
# Latency is judged below saturation, at this fraction of each scenario's own
# req/s (at saturation p99 only measures how h2load's 128 queued calls are
# interleaved: the bare echo itself shows 2.5-4x there).
LATENCY_LOAD = 0.5

LABELS = {
    ECHO: "echo (bare grpc.aio, same bytes)",
    ECHO_PLAIN: "echo of the request (reference)",
    GET_LOCAL: f"GetProduct, in-process ({LOCAL_STALENESS_S}s)",
    GET_CACHE: "GetProduct, Redis cache",
    GET_PG: "GetProduct, PostgreSQL",
    BATCH: f"BatchGetProducts({BATCH_SIZE})",
    LIST_P1: "ListProducts page 1",
    LIST_DEEP: f"ListProducts page {DEEP_PAGE}",
}


class ScenarioError(RuntimeError):
    """A scenario's call does not answer right, so its load run would be meaningless."""


@dataclass(frozen=True)
class BenchConfig:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/vitrine_bench"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "vitrine-bench"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    load: LoadSettings = field(default_factory=LoadSettings)
    out_dir: Path = Path(__file__).resolve().parent / "out"
    reset_db: bool = False
    products: int = CATALOG_PRODUCTS


@dataclass(frozen=True)
class Scenario:
    key: str
    path: str
    request: bytes
    # Raises ScenarioError unless the raw response is the right answer.
    validate: Callable[[bytes], None]
    items_per_call: int = 1


@dataclass
class ScenarioResult:
    key: str
    load: LoadResult | None = None
    error: str | None = None
    # Facts worth keeping next to the numbers (sizes, sample statuses, ...).
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.load is not None and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": LABELS[self.key],
            "measured": self.measured,
            "error": self.error,
            "load": self.load.to_json() if self.load else None,
            **self.info,
        }


@dataclass
class BenchReport:
    config: BenchConfig
    results: dict[str, ScenarioResult] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    # The machine is shared: a busy one explains a bad run.
    loadavg_before: float = 0.0
    loadavg_after: float = 0.0
    # Set when the echo server would not run with Vitrine's exact options.
    options_drift: str | None = None

    def result(self, key: str) -> ScenarioResult:
        return self.results.setdefault(key, ScenarioResult(key))


# --- checking answers -------------------------------------------------------


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ScenarioError(message)


def _validate_get(product_id: int) -> Callable[[bytes], None]:
    def validate(raw: bytes) -> None:
        p = pb.GetProductResponse.FromString(raw).product
        _check(p.id == product_id, f"GetProduct({product_id}) returned id {p.id}")
        _check(
            bool(p.name) and p.best_offer.price.amount_minor > 0,
            f"GetProduct({product_id}) returned no name or no best price: {p}",
        )

    return validate


def _validate_batch(ids: list[int]) -> Callable[[bytes], None]:
    def validate(raw: bytes) -> None:
        resp = pb.BatchGetProductsResponse.FromString(raw)
        got = [p.id for p in resp.products]
        _check(
            got == ids and not resp.not_found_ids,
            f"BatchGetProducts returned {len(got)} products (not found: "
            f"{list(resp.not_found_ids)[:5]}), not the {len(ids)} asked in order",
        )

    return validate


def _prices(resp: pb.ListProductsResponse) -> list[int]:
    return [p.best_offer.price.amount_minor for p in resp.products]


def _validate_page(after_price: int | None) -> Callable[[bytes], None]:
    def validate(raw: bytes) -> None:
        resp = pb.ListProductsResponse.FromString(raw)
        prices = _prices(resp)
        _check(len(prices) == PAGE_SIZE, f"ListProducts returned {len(prices)} products")
        _check(prices == sorted(prices), "ListProducts page not ordered by best price")
        _check(
            after_price is None or prices[0] >= after_price,
            "ListProducts page does not follow the page before it",
        )
        _check(bool(resp.next_page_token), "ListProducts page has no next_page_token")

    return validate


async def call_raw(channel: grpc.aio.Channel, path: str, request: bytes) -> bytes:
    """The call h2load will replay, made by a real gRPC client (bytes in, bytes out)."""
    try:
        # No serializers: the request goes out and the response comes back as bytes,
        # so the response size is exactly what h2load will receive.
        return await channel.unary_unary(path)(request, timeout=10)
    except grpc.aio.AioRpcError as e:
        raise ScenarioError(f"{path}: {e.code().name}: {e.details()}") from None


# --- building the scenarios ---------------------------------------------------


def list_request(page_token: str = "") -> pb.ListProductsRequest:
    return pb.ListProductsRequest(
        page_size=PAGE_SIZE, page_token=page_token, order_by=pb.PRODUCT_ORDER_BEST_PRICE
    )


async def deep_page_token(channel: grpc.aio.Channel, page: int) -> tuple[str, int, int]:
    """Walk the pages with a real client, and pick the deep page to measure:
    among pages `page` to `page` + DEEP_PAGE_SPAN, the one whose response is
    closest in size to page 1's. Products differ (deeper pages, dearer
    products, longer descriptions: page 500 here is ~20% larger), and the
    target is about depth, not payload, so the payload is held equal.
    Returns its token, the last price on the page before it, its number."""
    list_products = channel.unary_unary(
        f"{SERVICE}/ListProducts",
        request_serializer=pb.ListProductsRequest.SerializeToString,
        response_deserializer=pb.ListProductsResponse.FromString,
    )
    token, last_price = "", 0
    first_size = 0
    candidates: list[tuple[int, int, str, int]] = []  # (size gap, page, token, last price)
    for n in range(1, page + DEEP_PAGE_SPAN + 1):
        try:
            resp = await list_products(list_request(token), timeout=10)
        except grpc.aio.AioRpcError as e:
            raise ScenarioError(f"ListProducts page {n}: {e.code().name}: {e.details()}") from None
        prices = _prices(resp)
        _check(
            len(prices) == PAGE_SIZE and bool(resp.next_page_token),
            f"ListProducts page {n} has {len(prices)} products / no next token",
        )
        _check(prices[0] >= last_price, f"ListProducts page {n} is out of order")
        size = resp.ByteSize()
        if n == 1:
            first_size = size
        if n >= page:
            candidates.append((abs(size - first_size), n, token, last_price))
        token, last_price = resp.next_page_token, prices[-1]
    _, chosen, chosen_token, before_price = min(candidates)
    return chosen_token, before_price, chosen


def get_scenario(key: str, product_id: int, max_staleness_s: int = 0) -> Scenario:
    request = pb.GetProductRequest(id=product_id)
    if max_staleness_s:
        request.max_staleness.CopyFrom(duration_pb2.Duration(seconds=max_staleness_s))
    return Scenario(
        key, f"{SERVICE}/GetProduct", request.SerializeToString(), _validate_get(product_id)
    )


async def cached_vitrine_scenarios(channel: grpc.aio.Channel, ids: list[int]) -> list[Scenario]:
    token, last_price, page = await deep_page_token(channel, DEEP_PAGE)
    LABELS[LIST_DEEP] = f"ListProducts page {page}"
    return [
        Scenario(
            BATCH,
            f"{SERVICE}/BatchGetProducts",
            pb.BatchGetProductsRequest(ids=ids).SerializeToString(),
            _validate_batch(ids),
            items_per_call=len(ids),
        ),
        Scenario(
            LIST_P1,
            f"{SERVICE}/ListProducts",
            list_request().SerializeToString(),
            _validate_page(None),
        ),
        Scenario(
            LIST_DEEP,
            f"{SERVICE}/ListProducts",
            list_request(token).SerializeToString(),
            _validate_page(last_price),
        ),
    ]


def echo_scenarios(product_id: int, response_bytes: int) -> list[Scenario]:
    # The very body GetProduct gets: the echo server does not parse it.
    request = pb.GetProductRequest(id=product_id).SerializeToString()

    def validate_echo(raw: bytes) -> None:
        _check(raw == request, "echo returned something else than it was sent")

    def validate_sized(raw: bytes) -> None:
        _check(len(raw) == response_bytes, f"Sized returned {len(raw)} bytes")

    return [
        Scenario(ECHO, SIZED_PATH, request, validate_sized),
        Scenario(ECHO_PLAIN, ECHO_PATH, request, validate_echo),
    ]


# --- running ------------------------------------------------------------------


async def run_scenario(
    server: ServerProcess, scenario: Scenario, config: BenchConfig
) -> ScenarioResult:
    result = ScenarioResult(scenario.key)
    url = f"http://{server.target}{scenario.path}"
    out = config.out_dir
    try:
        async with bench_channel(server.target) as channel:
            raw = await call_raw(channel, scenario.path, scenario.request)
            scenario.validate(raw)
            body = write_body(out / f"{scenario.key}.body.bin", scenario.request)
            result.info.update(
                request_bytes=len(scenario.request),
                response_bytes=len(raw),
                items_per_call=scenario.items_per_call,
            )

            sample = await sample_grpc_statuses(url, body)
            result.info["status_sample"] = sample.to_json()
            _check(sample.ok, f"h2load sample: {sample.to_json()}")

            load = await run_load(
                url,
                body,
                config.load,
                out / f"{scenario.key}.h2load.tsv",
                expected_response_bytes=len(raw) + 5,
            )
            result.load = load

            await server.check_alive()
            after = await call_raw(channel, scenario.path, scenario.request)
            scenario.validate(after)
        problems = []
        if load.succeeded == 0:
            problems.append("no call succeeded")
        if load.failed or load.errored or load.timeout or load.http_other:
            problems.append(
                f"h2load: {load.failed} failed, {load.errored} errored, "
                f"{load.timeout} timeout, {load.http_other} non-2xx"
            )
        if load.grpc_failed_estimate:
            problems.append(
                f"~{load.grpc_failed_estimate} calls returned no message (non-zero grpc-status)"
            )
        if problems:
            result.error = "; ".join(problems)
    except (ScenarioError, ServerFailed, OSError, RuntimeError) as e:
        result.error = str(e)
    _progress(result)
    return result


def _progress(r: ScenarioResult) -> None:
    if r.load and not r.error:
        print(
            f"  {LABELS[r.key]:<28} {r.load.rps:>9.0f} req/s  p50 {r.load.p50_ms:6.2f} ms"
            f"  p99 {r.load.p99_ms:6.2f} ms",
            flush=True,
        )
    else:
        print(f"  {LABELS[r.key]:<28} FAILED: {r.error}", flush=True)


def _describe(e: BaseException) -> str:
    # Our own errors carry a full message; name the type of anything else.
    if isinstance(e, ServerFailed | ScenarioError | dataset.DatasetError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def _vitrine_env(config: BenchConfig, cache: bool) -> dict[str, str]:
    return vitrine_env(config.database_url, config.redis_url, config.redis_prefix, cache=cache)


def _fail_all(report: BenchReport, keys: tuple[str, ...], error: str) -> None:
    """Mark the scenarios not yet run as failed with one error, printed once."""
    pending = [k for k in keys if report.result(k).load is None and report.result(k).error is None]
    if not pending:
        return
    for key in pending:
        report.result(key).error = error
    print(f"  FAILED: {', '.join(LABELS[k] for k in pending)}: {error}", flush=True)


async def _phase_cached(report: BenchReport) -> None:
    """Vitrine with its cache: prepares the data, runs the scenarios that are
    not compared with echo, then the head-to-head beside it."""
    config = report.config
    keys = (GET_LOCAL, GET_CACHE, BATCH, LIST_P1, LIST_DEEP)
    print("vitrine (cache on): preparing database and server", flush=True)
    try:
        report.dataset["database_created"] = await dataset.prepare(
            config.database_url, config.redis_url, config.redis_prefix, reset=config.reset_db
        )
        server = vitrine_server(
            free_port(),
            config.workers,
            config.out_dir / "vitrine-cache.log",
            _vitrine_env(config, cache=True),
            name="vitrine (cache on)",
        )
        async with server:
            print("  server ready; checking the bench catalog", flush=True)
            report.dataset.update(
                await dataset.ensure_catalog(config.database_url, config.products)
            )
            ids = await dataset.sample_product_ids(config.database_url, BATCH_SIZE)
            async with bench_channel(server.target) as channel:
                scenarios = await cached_vitrine_scenarios(channel, ids)
            await _run_lists(report, server, scenarios)
            await _phase_head_to_head(report, server, ids[0])
            report.result(GET_CACHE).info["redis_keys_after"] = await dataset.count_redis_prefix(
                config.redis_url, config.redis_prefix
            )
    except Exception as e:  # also asyncpg/redis errors: report them
        hint = ""
        if isinstance(e, ServerFailed) and "before ready" in str(e):
            hint = (
                "\n  (a bench database from an older schema? `python -m bench --reset-db` "
                "re-creates and re-seeds it)"
            )
        _fail_all(
            report, (*keys, ECHO, ECHO_PLAIN, GET_PG), f"Vitrine unavailable: {_describe(e)}{hint}"
        )


async def _run_lists(report: BenchReport, server: ServerProcess, scenarios: list[Scenario]) -> None:
    """BatchGetProducts once; ListProducts page 1 and page 500 alternated for
    ROUNDS rounds, each with the median of its per-round ratios to page 1."""
    config = report.config
    by_key = {s.key: s for s in scenarios}
    report.results[BATCH] = await run_scenario(server, by_key[BATCH], config)
    firsts: list[ScenarioResult] = []
    deeps: list[ScenarioResult] = []
    for _ in range(ROUNDS):
        firsts.append(await run_scenario(server, by_key[LIST_P1], config))
        deeps.append(await run_scenario(server, by_key[LIST_DEEP], config))
    report.results[LIST_P1] = _median(firsts)
    deep = report.results[LIST_DEEP] = _median(deeps)
    pairs = [(f.load, d.load) for f, d in zip(firsts, deeps, strict=True) if f.load and d.load]
    if deep.measured and len(pairs) == ROUNDS:
        rps_ratios = sorted(f.rps / d.rps for f, d in pairs)
        p50_ratios = sorted(d.p50_ms / f.p50_ms for f, d in pairs)
        deep.info["page1_rps_over_page500"] = rps_ratios[len(pairs) // 2]
        deep.info["page500_p50_over_page1"] = p50_ratios[len(pairs) // 2]


async def _response_bytes(server: ServerProcess, scenario: Scenario) -> int:
    async with bench_channel(server.target) as channel:
        return len(await call_raw(channel, scenario.path, scenario.request))


async def _phase_head_to_head(report: BenchReport, cached: ServerProcess, product_id: int) -> None:
    config = report.config
    get_local = get_scenario(GET_LOCAL, product_id, LOCAL_STALENESS_S)
    get_cache = get_scenario(GET_CACHE, product_id)
    get_pg = get_scenario(GET_PG, product_id)
    # The echo baseline answers as many bytes as GetProduct does.
    response_bytes = await _response_bytes(cached, get_cache)
    print(f"head to head ({ROUNDS} rounds, interleaved): echo, in-process, Redis, PostgreSQL")
    echo = echo_server(free_port(), config.workers, config.out_dir / "echo.log", response_bytes)
    postgres = vitrine_server(
        free_port(),
        config.workers,
        config.out_dir / "vitrine-postgres.log",
        _vitrine_env(config, cache=False),
        name="vitrine (cache off)",
    )
    async with echo, postgres:
        sized, plain = echo_scenarios(product_id, response_bytes)
        lineup = [(echo, sized), (cached, get_local), (cached, get_cache), (postgres, get_pg)]
        rounds: dict[str, list[ScenarioResult]] = {s.key: [] for _, s in lineup}
        for n in range(1, ROUNDS + 1):
            print(f"  round {n}", flush=True)
            for server, scenario in lineup:
                rounds[scenario.key].append(await run_scenario(server, scenario, config))
        report.results[ECHO_PLAIN] = await run_scenario(echo, plain, config)
        for key, results in rounds.items():
            report.results[key] = _median(results, rounds[ECHO])
        await _latency_runs(report, lineup)


def _median(
    results: list[ScenarioResult], echo: list[ScenarioResult] | None = None
) -> ScenarioResult:
    """The median round by req/s (a failed round fails the scenario), with
    the median of its per-round ratios to the echo measured just before it."""
    failed = [r for r in results if not r.measured]
    if failed:
        return failed[0]
    ordered = sorted(results, key=lambda r: r.load.rps if r.load else 0.0)
    median = ordered[len(ordered) // 2]
    median.info["rounds_rps"] = [round(r.load.rps) for r in results if r.load]
    if echo is None:
        return median
    ratios = sorted(
        r.load.rps / e.load.rps
        for r, e in zip(results, echo, strict=True)
        if r.load and e.load and e.measured
    )
    if len(ratios) == len(results):
        median.info["rounds_vs_echo"] = [
            round(r.load.rps / e.load.rps, 3)
            for r, e in zip(results, echo, strict=True)
            if r.load and e.load
        ]
        median.info["vs_echo"] = ratios[len(ratios) // 2]
    return median


async def _latency_runs(report: BenchReport, lineup: list[tuple[ServerProcess, Scenario]]) -> None:
    """p50/p99 of each head-to-head scenario at half its own throughput: the
    same utilisation for every path, below saturation."""
    config = report.config
    for server, scenario in lineup:
        result = report.result(scenario.key)
        if not result.measured or result.load is None:
            continue
        rate = int(result.load.rps * LATENCY_LOAD)
        settings = dataclasses.replace(
            config.load, rps_per_connection=max(1, rate // config.load.connections), warmup_s=1
        )
        url = f"http://{server.target}{scenario.path}"
        body = write_body(config.out_dir / f"{scenario.key}.body.bin", scenario.request)
        try:
            load = await run_load(
                url, body, settings, config.out_dir / f"{scenario.key}.latency.tsv", None
            )
        except Exception as e:  # a latency run that fails says so, the rest stands
            result.info["latency_error"] = str(e)
            continue
        result.info["latency"] = {
            "offered_rps": rate,
            "achieved_rps": round(load.rps),
            "p50_ms": round(load.p50_ms, 3),
            "p99_ms": round(load.p99_ms, 3),
        }


async def run_catalog_bench(config: BenchConfig) -> BenchReport:
    config.out_dir.mkdir(parents=True, exist_ok=True)
    report = BenchReport(config, loadavg_before=warn_if_busy())
    report.options_drift = options_drift()
    if report.options_drift:
        print(f"warning: {report.options_drift}", flush=True)
    await _phase_cached(report)
    report.results = {k: report.result(k) for k in ORDER}
    report.loadavg_after = os.getloadavg()[0]
    return report


# --- targets ------------------------------------------------------------------


@dataclass
class Target:
    scenario: str
    text: str
    # None: not evaluated (a scenario it needs was not measured).
    passed: bool | None
    value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "target": self.text,
            "passed": self.passed,
            "value": self.value,
        }


def evaluate_targets(report: BenchReport) -> list[Target]:
    """The targets, each with its measured value; not evaluated if a run is missing."""
    loads = {k: r.load for k, r in report.results.items() if r.measured and r.load}
    targets: list[Target] = []

    def add(scenario: str, text: str, value: float | None, ok: Callable[[float], bool]) -> None:
        if value is None:
            targets.append(Target(scenario, text, None))
        else:
            targets.append(Target(scenario, text, ok(value), round(value, 3)))

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    def rps(key: str) -> float | None:
        return loads[key].rps if key in loads else None

    def p50(key: str) -> float | None:
        return loads[key].p50_ms if key in loads else None

    def p99(key: str) -> float | None:
        return loads[key].p99_ms if key in loads else None

    def vs_echo(key: str) -> float | None:
        return report.result(key).info.get("vs_echo") if key in loads else None

    def tail(key: str) -> float | None:
        lat = report.result(key).info.get("latency")
        return lat["p99_ms"] / lat["p50_ms"] if lat and lat["p50_ms"] else None

    # "GetProduct from cache": the opt-in in-process tier is the cache path
    # that skips the Redis round trip; the Redis path is reported beside it.
    add(GET_LOCAL, "rps >= 0.85x echo", vs_echo(GET_LOCAL), lambda v: v >= 0.85)
    add(GET_LOCAL, "p99 <= 3x p50 at fixed rate", tail(GET_LOCAL), lambda v: v <= 3)
    add(GET_CACHE, "p99 <= 3x p50 at fixed rate", tail(GET_CACHE), lambda v: v <= 3)
    add(GET_PG, "rps >= 0.6x echo", vs_echo(GET_PG), lambda v: v >= 0.6)
    add(GET_PG, "p99 <= 3x p50 at fixed rate", tail(GET_PG), lambda v: v <= 3)
    batch = rps(BATCH)
    add(
        BATCH,
        "products/s >= 45,000",
        None if batch is None else batch * BATCH_SIZE,
        lambda v: v >= 45_000,
    )
    deep = report.result(LIST_DEEP).info
    add(
        LIST_DEEP,
        "page1 rps / page500 rps <= 1.2",
        deep.get("page1_rps_over_page500", ratio(rps(LIST_P1), rps(LIST_DEEP))),
        lambda v: v <= 1.2,
    )
    add(
        LIST_DEEP,
        "page500 p50 / page1 p50 <= 1.2",
        deep.get("page500_p50_over_page1", ratio(p50(LIST_DEEP), p50(LIST_P1))),
        lambda v: v <= 1.2,
    )
    return targets
