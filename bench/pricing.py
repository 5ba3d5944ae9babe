"""The price-ingestion benchmark: RecordPriceBatch throughput beside a raw COPY.

What the Pricing issue asks: observations per second sustained by
RecordPriceBatch (batches of 1,000, a few concurrent writers), and beside it,
in the same run, the rate of a raw PostgreSQL COPY of the same rows, as a
ratio. COPY is a ceiling, not a target: it does no change detection, no
offer or product update, no idempotency bookkeeping, no cache invalidation.

Order of one run:
  1. Vitrine (cache on, `--migrate`) on the bench database; pick the offers:
     the WRITERS stores with the most offers, OFFERS / WRITERS offers of
     each (seeded sample). Writer w is the scraper of store w: it alone
     observes those offers, so each offer's observations reach the server in
     time order, and products (offered by several stores) are shared between
     writers, as in production.
  2. Each writer's stream: batches of 1,000 distinct offers (its offers in a
     seeded shuffled order, cyclically), timestamps increasing from the last
     observation already stored (or an hour ago) towards now; ~30% of the
     observations change price or stock against the offer's previous one,
     the rest repeat it. So both paths run: a new change point (insert), and
     last_seen_at moved on the point in effect (update).
  3. A single writer alone for a few calls (latency without contention), a
     warm-up, then ROUNDS rounds: all writers for DURATION seconds, each
     sending its batches one after another, then a COPY of exactly the rows
     that round sent, as price_points rows, into a scratch copy of the table
     with the same number of connections and one COPY per 1,000 rows. This
     machine's speed drifts within a minute: the ratio is taken per round and
     the median reported.
  4. Checks: every response is verified (no REJECTED outcome, every outcome
     the expected CHANGED or UNCHANGED); afterwards the new price_points rows
     must equal the CHANGED outcomes, and each offer's current price the last
     one sent. The scratch table is dropped; the rows written stay (the bench
     database is the bench's own), and a re-run starts after them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from google.protobuf import timestamp_pb2
from vitrine.pricing.v1 import (
    history_pb2,
    observation_pb2,
    pricing_service_pb2,
    pricing_service_pb2_grpc,
)
from vitrine.type.v1 import money_pb2

from bench import dataset
from bench.autovacuum import AutovacuumStandIn, autovacuum_is_off
from bench.catalog import CATALOG_PRODUCTS, ScenarioError
from bench.h2load import percentile
from bench.report import write_json
from bench.servers import (
    ServerFailed,
    ServerProcess,
    free_port,
    live_group_members,
    vitrine_env,
    vitrine_server,
    warn_if_busy,
)
from bench.servers import channel as bench_channel

CHANGED = observation_pb2.OBSERVATION_OUTCOME_CHANGED
UNCHANGED = observation_pb2.OBSERVATION_OUTCOME_UNCHANGED
REJECTED = observation_pb2.OBSERVATION_OUTCOME_REJECTED

SCRATCH_TABLE = "bench_copy_price_points"
COPY_COLUMNS = (
    "offer_id",
    "product_id",
    "valid_from",
    "last_seen_at",
    "currency_code",
    "price_minor",
    "original_price_minor",
    "in_stock",
)
CURRENCY = "BRL"
# A stream's timestamps are spread so that this many batches per writer fit
# between its start and now (far more than a run sends).
MAX_BATCHES_PER_WRITER = 5_000
# Calls of the lone writer measured for the uncontended latency.
SOLO_CALLS = 8
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PricingConfig:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/vitrine_bench"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "vitrine-bench"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    out_dir: Path = Path(__file__).resolve().parent / "out"
    reset_db: bool = False
    products: int = CATALOG_PRODUCTS
    writers: int = 4
    batch_size: int = 1_000
    offers: int = 20_000
    duration_s: float = 15.0
    rounds: int = 3
    warmup_batches: int = 1
    change_fraction: float = 0.3
    seed: int = 42
    call_timeout_s: float = 60.0
    # Retries of a batch answered ABORTED (a deadlock or serialization
    # failure): the same batch id, as a real client would resend it.
    max_retries: int = 5
    # Sustained scale: after the rounds, more rounds until price_points holds
    # this many rows (None: no scale run); throughput of the first and last.
    until_rows: int | None = None
    # RecordPrices (the streaming RPC) after the rounds: one stream per
    # writer of messages of this many observations each, for this long
    # (0 seconds: skipped).
    stream_batch_size: int = 10
    stream_duration_s: float = 10.0


def max_batches_per_writer(config: PricingConfig) -> int:
    """Batches a writer's timestamps must leave room for: MAX_BATCHES_PER_WRITER,
    or what a scale run to `until_rows` needs (with a margin)."""
    if config.until_rows is None:
        return MAX_BATCHES_PER_WRITER
    observations = config.until_rows / max(config.change_fraction, 0.01) / config.writers
    return max(MAX_BATCHES_PER_WRITER, int(observations / config.batch_size * 1.5) + 10)


# --- the observation streams -------------------------------------------------


@dataclass(slots=True)
class OfferState:
    """An offer as its scraper last saw it (at first: its stored point in effect)."""

    offer_id: int
    product_id: int
    price: int
    original: int | None
    in_stock: bool


@dataclass
class Batch:
    writer: int
    request: pricing_service_pb2.RecordPriceBatchRequest
    # Per observation, in request order: whether it should be CHANGED.
    expect_changed: list[bool]
    # The same observations as price_points rows, for the COPY baseline.
    rows: list[tuple[Any, ...]]


class Stream:
    """One writer's deterministic observations, one batch at a time."""

    def __init__(
        self,
        writer: int,
        offers: list[OfferState],
        config: PricingConfig,
        start_us: int,
        step_us: int,
        run_tag: str,
    ) -> None:
        self.writer = writer
        self.rng = random.Random(config.seed * 1_000 + writer)
        self.offers = offers[:]
        self.rng.shuffle(self.offers)
        self.batch_size = config.batch_size
        self.change_fraction = config.change_fraction
        self.next_us = start_us
        self.step_us = step_us
        self.run_tag = run_tag
        self.cursor = 0
        self.batches = 0
        # A batch generated but not sent yet (the writers build the next batch
        # while the current one is in flight): sent first by the next round.
        self.pending: Batch | None = None
        self.max_batches = max_batches_per_writer(config)
        self.last_us = start_us + step_us * self.max_batches * config.batch_size

    def _change(self, s: OfferState) -> None:
        if self.rng.random() < 0.15:
            s.in_stock = not s.in_stock
            return
        pct = self.rng.uniform(0.01, 0.15) * self.rng.choice((-1, 1))
        new = max(1, round(s.price * (1 + pct)))
        s.price = new if new != s.price else s.price + 1
        if s.original is not None and s.original < s.price:
            # An original price below the price is rejected (INVALID_ORIGINAL_PRICE).
            s.original = s.price

    def take(self) -> Batch:
        if self.pending is not None:
            batch, self.pending = self.pending, None
            return batch
        return self._generate()

    def _generate(self) -> Batch:
        if self.next_us + self.batch_size * self.step_us > self.last_us:
            raise ScenarioError(
                f"writer {self.writer} sent {self.max_batches:,} batches: "
                "no timestamps left in its window"
            )
        n = len(self.offers)
        batch_id = f"bench-{self.run_tag}-w{self.writer}-b{self.batches}"
        self.batches += 1
        observations = []
        expect: list[bool] = []
        rows: list[tuple[Any, ...]] = []
        for _ in range(self.batch_size):
            s = self.offers[self.cursor]
            self.cursor = (self.cursor + 1) % n
            at_us = self.next_us
            self.next_us += self.step_us
            changed = self.rng.random() < self.change_fraction
            if changed:
                self._change(s)
            expect.append(changed)
            o = observation_pb2.PriceObservation(
                offer_id=s.offer_id,
                price=money_pb2.Money(currency_code=CURRENCY, amount_minor=s.price),
                in_stock=s.in_stock,
                observed_time=timestamp_pb2.Timestamp(
                    seconds=at_us // 1_000_000, nanos=at_us % 1_000_000 * 1_000
                ),
            )
            if s.original is not None:
                o.original_price.currency_code = CURRENCY
                o.original_price.amount_minor = s.original
            observations.append(o)
            at = EPOCH + timedelta(microseconds=at_us)
            rows.append(
                (s.offer_id, s.product_id, at, at, CURRENCY, s.price, s.original, s.in_stock)
            )
        request = pricing_service_pb2.RecordPriceBatchRequest(
            batch_id=batch_id, observations=observations
        )
        return Batch(self.writer, request, expect, rows)


# --- results -----------------------------------------------------------------


@dataclass
class RoundResult:
    index: int
    batches: int = 0
    observations: int = 0
    changed: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    per_writer: list[int] = field(default_factory=list)
    # The batches each writer sent, for the COPY of the same rows.
    sent: list[list[Batch]] = field(default_factory=list)
    aborted_retries: int = 0
    # CPU seconds used meanwhile by the server's processes and by the bench
    # database's PostgreSQL backends (from /proc).
    server_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    copy_rows: int = 0
    copy_wall_s: float = 0.0
    loadavg_1m: float = 0.0

    @property
    def obs_per_s(self) -> float:
        return self.observations / self.wall_s if self.wall_s else 0.0

    @property
    def copy_rows_per_s(self) -> float:
        return self.copy_rows / self.copy_wall_s if self.copy_wall_s else 0.0

    @property
    def ratio(self) -> float | None:
        return self.obs_per_s / self.copy_rows_per_s if self.copy_rows_per_s else None

    def _per_1000(self, cpu_s: float) -> float | None:
        return round(cpu_s * 1e6 / self.observations, 1) if self.observations else None

    def to_json(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "round": self.index,
            "batches": self.batches,
            "observations": self.observations,
            "changed": self.changed,
            "wall_s": round(self.wall_s, 3),
            "obs_per_s": round(self.obs_per_s),
            "observations_per_writer": self.per_writer,
            "aborted_retries": self.aborted_retries,
            "server_cpu_ms_per_1000_obs": self._per_1000(self.server_cpu_s),
            "postgres_cpu_ms_per_1000_obs": self._per_1000(self.postgres_cpu_s),
            "latency_p50_ms": round(percentile(lat, 50), 2),
            "latency_p99_ms": round(percentile(lat, 99), 2),
            "copy_rows": self.copy_rows,
            "copy_wall_s": round(self.copy_wall_s, 3),
            "copy_rows_per_s": round(self.copy_rows_per_s),
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "loadavg_1m": self.loadavg_1m,
        }


@dataclass
class PricingReport:
    config: PricingConfig
    rounds: list[RoundResult] = field(default_factory=list)
    solo_latencies_ms: list[float] = field(default_factory=list)
    # Batches answered ABORTED and resent, over the whole run (warm-up included).
    aborted_retries: int = 0
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    loadavg_before: float = 0.0
    loadavg_after: float = 0.0
    # The scale run (until_rows): its rounds, and what it left.
    scale_rounds: list[RoundResult] = field(default_factory=list)
    scale: dict[str, Any] = field(default_factory=dict)
    # RecordPrices with many small messages.
    streaming: dict[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.error is None and len(self.rounds) == self.config.rounds

    def median_round(self) -> RoundResult | None:
        done = [r for r in self.rounds if r.ratio is not None]
        if not done:
            return None
        return sorted(done, key=lambda r: r.ratio or 0.0)[len(done) // 2]

    def latencies(self) -> list[float]:
        return sorted(x for r in self.rounds for x in r.latencies_ms)


# --- checking answers ---------------------------------------------------------


def verify_response(batch: Batch, resp: pricing_service_pb2.RecordPriceBatchResponse) -> int:
    """Raise ScenarioError unless the response is the expected one; returns CHANGED."""
    n = len(batch.expect_changed)
    req = batch.request
    if resp.batch_id != req.batch_id:
        raise ScenarioError(f"{req.batch_id}: the response names batch {resp.batch_id!r}")
    rejected = [(i, r) for i, r in enumerate(resp.results) if r.outcome == REJECTED]
    if rejected or resp.rejected_count:
        i, r = rejected[0] if rejected else (-1, observation_pb2.ObservationResult())
        o = req.observations[i] if i >= 0 else None
        raise ScenarioError(
            f"{req.batch_id}: {resp.rejected_count} observations REJECTED, e.g. offer "
            f"{o.offer_id if o else '?'}: {r.reason} ({r.detail})"
        )
    if len(resp.results) != n or resp.accepted_count != n:
        raise ScenarioError(
            f"{req.batch_id}: {len(resp.results)} results, accepted_count "
            f"{resp.accepted_count}, for {n} observations"
        )
    changed = 0
    wrong = []
    for i, (r, expect) in enumerate(zip(resp.results, batch.expect_changed, strict=True)):
        want = CHANGED if expect else UNCHANGED
        if r.outcome != want:
            wrong.append(i)
        changed += r.outcome == CHANGED
    if wrong:
        i = wrong[0]
        raise ScenarioError(
            f"{req.batch_id}: {len(wrong)} unexpected outcomes, e.g. offer "
            f"{req.observations[i].offer_id} at {req.observations[i].observed_time.ToJsonString()}:"
            f" {observation_pb2.ObservationOutcome.Name(resp.results[i].outcome)}, expected "
            f"{'CHANGED' if batch.expect_changed[i] else 'UNCHANGED'}"
        )
    return changed


# --- the data -------------------------------------------------------------------


async def choose_offers(
    conn: asyncpg.Connection, config: PricingConfig
) -> tuple[list[list[OfferState]], list[int], datetime]:
    """Per writer, its store's offers with their point in effect; the stores;
    and the latest instant any of them was observed."""
    per_writer = config.offers // config.writers
    if per_writer < config.batch_size:
        raise ScenarioError(
            f"{config.offers} offers over {config.writers} writers leave fewer than "
            f"{config.batch_size} offers per writer (a batch names distinct offers)"
        )
    stores = await conn.fetch(
        "SELECT store_id, count(*) AS n FROM offers WHERE currency_code = $1 "
        "GROUP BY store_id ORDER BY count(*) DESC, store_id LIMIT $2",
        CURRENCY,
        config.writers,
    )
    if len(stores) < config.writers:
        raise ScenarioError(f"{config.writers} writers need as many stores; found {len(stores)}")
    rng = random.Random(config.seed)
    groups: list[list[OfferState]] = []
    latest: datetime = EPOCH
    for s in stores:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM offers WHERE store_id = $1 AND currency_code = $2 ORDER BY id",
                s["store_id"],
                CURRENCY,
            )
        ]
        if len(ids) < per_writer:
            raise ScenarioError(
                f"store {s['store_id']} has {len(ids)} {CURRENCY} offers, < {per_writer}"
            )
        picked = sorted(rng.sample(ids, per_writer))
        rows = await conn.fetch(
            """
            SELECT o.id, o.product_id, p.price_minor, p.original_price_minor, p.in_stock,
                   p.last_seen_at
              FROM unnest($1::bigint[]) AS i (id)
              JOIN offers o ON o.id = i.id
             CROSS JOIN LATERAL (
               SELECT price_minor, original_price_minor, in_stock, last_seen_at
                 FROM price_points pp
                WHERE pp.offer_id = o.id
                ORDER BY valid_from DESC LIMIT 1) p
             ORDER BY o.id
            """,
            picked,
        )
        if len(rows) < per_writer:
            raise ScenarioError(
                f"{per_writer - len(rows)} picked offers of store {s['store_id']} "
                "have no price history"
            )
        groups.append(
            [
                OfferState(
                    r["id"],
                    r["product_id"],
                    r["price_minor"],
                    r["original_price_minor"],
                    r["in_stock"],
                )
                for r in rows
            ]
        )
        latest = max([latest, *(r["last_seen_at"] for r in rows)])
    return groups, [s["store_id"] for s in stores], latest


def make_streams(
    groups: list[list[OfferState]], latest: datetime, config: PricingConfig
) -> tuple[list[Stream], dict[str, Any]]:
    """Streams whose timestamps start after `latest` (or an hour ago) and,
    MAX_BATCHES_PER_WRITER batches later, still lie in the past."""
    now = datetime.now(UTC)
    start = max(now - timedelta(hours=1), latest + timedelta(milliseconds=1))
    end = now - timedelta(seconds=1)
    window_us = (end - start) // timedelta(microseconds=1)
    step_us = window_us // (max_batches_per_writer(config) * config.batch_size)
    if step_us < 1:
        raise ScenarioError(
            f"the chosen offers were last observed at {latest.isoformat()}: too close to now "
            "for a fresh stream of increasing timestamps (wait a few seconds and re-run)"
        )
    start_us = (start - EPOCH) // timedelta(microseconds=1)
    tag = uuid.uuid4().hex[:12]
    streams = [Stream(w, g, config, start_us, step_us, tag) for w, g in enumerate(groups)]
    return streams, {
        "run_tag": tag,
        "first_timestamp": start.isoformat(),
        "timestamp_step_us": step_us,
    }


async def _count_points(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM price_points"))


async def _check_current_prices(conn: asyncpg.Connection, streams: list[Stream]) -> None:
    """Each offer's current price must be the last one its writer sent."""
    states = [s for st in streams for s in st.offers]
    wrong = await conn.fetch(
        """
        SELECT o.id, o.price_minor, o.in_stock, i.price, i.in_stock AS want_stock
          FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]) AS i (id, price, in_stock)
          JOIN offers o ON o.id = i.id
         WHERE (o.price_minor, o.in_stock) IS DISTINCT FROM (i.price, i.in_stock)
        """,
        [s.offer_id for s in states],
        [s.price for s in states],
        [s.in_stock for s in states],
    )
    if wrong:
        r = wrong[0]
        raise ScenarioError(
            f"{len(wrong)} offers do not hold the last price sent, e.g. offer {r['id']}: "
            f"{r['price_minor']} in_stock={r['in_stock']}, sent {r['price']} "
            f"in_stock={r['want_stock']}"
        )


# --- running --------------------------------------------------------------------


def _vitrine_env(config: PricingConfig) -> dict[str, str]:
    return vitrine_env(config.database_url, config.redis_url, config.redis_prefix)


def connections_per_worker(server: ServerProcess) -> dict[int, int]:
    """Established client connections held by each server process (by pid)."""
    assert server.proc is not None
    inodes: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) == server.port:
                    inodes[cols[9]] = 0
    counts: dict[int, int] = {}
    for pid in live_group_members(server.proc.pid):
        n = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        n += 1
        if n:
            counts[pid] = n
    return counts


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_snapshot(
    server: ServerProcess, conn: asyncpg.Connection
) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of the server's processes and of its PostgreSQL backends."""
    assert server.proc is not None
    kinds = dict.fromkeys(live_group_members(server.proc.pid), "server")
    for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'vitrine'"
    ):
        kinds[r["pid"]] = "postgres"
    return {pid: (kind, _cpu_seconds(pid)) for pid, kind in kinds.items()}


def cpu_used(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per kind between two snapshots (a backend started meanwhile counts whole)."""
    used = {"server": 0.0, "postgres": 0.0}
    for pid, (kind, cpu) in after.items():
        used[kind] += cpu - before.get(pid, (kind, 0.0))[1]
    return used


async def open_channels(server: ServerProcess, count: int) -> tuple[list[grpc.aio.Channel], Any]:
    """`count` channels on separate connections, spread evenly over the workers.

    SO_REUSEPORT places each connection by a hash: 4 connections on 2 workers
    land 3-1 or 4-0 more often than not. Reconnect until no worker holds
    more than its share (a few tries), and report the split.
    """
    channels: list[grpc.aio.Channel] = []
    split: dict[int, int] = {}
    for _attempt in range(20):
        for c in channels:
            await c.close()
        channels = [
            # A local subchannel pool: otherwise channels to one target share a connection.
            bench_channel(server.target, options=[("grpc.use_local_subchannel_pool", 1)])
            for _ in range(count)
        ]
        for c in channels:
            await asyncio.wait_for(c.channel_ready(), timeout=10)
        await asyncio.sleep(0.05)
        split = connections_per_worker(server)
        fair = -(-count // max(1, server.workers))
        if split and max(split.values()) <= fair and len(split) == min(count, server.workers):
            break
    return channels, split


async def _send(
    stub: pricing_service_pb2_grpc.PricingServiceStub,
    batch: Batch,
    config: PricingConfig,
    next_batch: Any = None,
) -> tuple[pricing_service_pb2.RecordPriceBatchResponse, float, int, Batch | None]:
    """One batch (resent with its batch id on ABORTED); builds the next batch
    while this one is in flight. Returns the response, its latency as the
    client sees it (ms, from the first attempt), the retries, and the next batch."""
    retries = 0
    following = None
    t0 = time.perf_counter()
    while True:
        call = stub.RecordPriceBatch(batch.request, timeout=config.call_timeout_s)
        if next_batch is not None and following is None:
            following = next_batch()
        try:
            resp = await call
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.ABORTED and retries < config.max_retries:
                retries += 1
                continue
            raise ScenarioError(
                f"{batch.request.batch_id}: {e.code().name}: {e.details()}"
                + (f" (after {retries} ABORTED retries)" if retries else "")
            ) from e
        return resp, (time.perf_counter() - t0) * 1_000, retries, following


async def _writer(
    stub: pricing_service_pb2_grpc.PricingServiceStub,
    stream: Stream,
    config: PricingConfig,
    result: RoundResult,
    deadline: float | None,
    max_batches: int | None = None,
) -> None:
    """Send the stream's batches one after another until the deadline (or
    `max_batches`); a batch built but not sent stays pending in the stream."""
    sent = 0
    batch: Batch | None = None
    try:
        while (deadline is None or time.monotonic() < deadline) and (
            max_batches is None or sent < max_batches
        ):
            if batch is None:
                batch = stream.take()
            more = max_batches is None or sent + 1 < max_batches
            resp, ms, retries, following = await _send(
                stub, batch, config, stream.take if more else None
            )
            changed = verify_response(batch, resp)
            sent += 1
            result.batches += 1
            result.observations += resp.accepted_count
            result.per_writer[stream.writer] += resp.accepted_count
            result.changed += changed
            result.aborted_retries += retries
            result.latencies_ms.append(ms)
            result.sent[stream.writer].append(batch)
            batch = following
    finally:
        stream.pending = batch


async def _all(coros: list[Any]) -> None:
    """Run concurrently; on the first failure cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _new_round(index: int, writers: int) -> RoundResult:
    return RoundResult(
        index,
        per_writer=[0] * writers,
        sent=[[] for _ in range(writers)],
        loadavg_1m=os.getloadavg()[0],
    )


async def ingest(
    stubs: list[pricing_service_pb2_grpc.PricingServiceStub],
    streams: list[Stream],
    config: PricingConfig,
    result: RoundResult,
    *,
    duration_s: float | None = None,
    max_batches: int | None = None,
) -> RoundResult:
    """All writers at once, each on its own connection; wall time to the last answer."""
    deadline = None if duration_s is None else time.monotonic() + duration_s
    started = time.perf_counter()
    await _all(
        [
            _writer(stub, stream, config, result, deadline, max_batches)
            for stub, stream in zip(stubs, streams, strict=True)
        ]
    )
    result.wall_s = time.perf_counter() - started
    return result


async def create_scratch(conn: asyncpg.Connection) -> None:
    """A plain logged table like price_points: its columns, checks, primary
    key, product index and offer foreign key (no partitions)."""
    await conn.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
    await conn.execute(
        f"CREATE TABLE {SCRATCH_TABLE} (LIKE price_points INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS INCLUDING INDEXES, FOREIGN KEY (offer_id) REFERENCES offers (id))"
    )


async def copy_round(conns: list[asyncpg.Connection], result: RoundResult) -> None:
    """COPY the rows each writer sent, one COPY (and commit) per batch, one
    connection per writer, into the emptied scratch table."""
    await conns[0].execute(f"TRUNCATE {SCRATCH_TABLE}")

    async def one(conn: asyncpg.Connection, batches: list[Batch]) -> None:
        for b in batches:
            await conn.copy_records_to_table(SCRATCH_TABLE, records=b.rows, columns=COPY_COLUMNS)

    started = time.perf_counter()
    await _all([one(c, result.sent[w]) for w, c in enumerate(conns)])
    result.copy_wall_s = time.perf_counter() - started
    result.copy_rows = int(await conns[0].fetchval(f"SELECT count(*) FROM {SCRATCH_TABLE}"))
    if result.copy_rows != result.observations:
        raise ScenarioError(
            f"COPY left {result.copy_rows} rows for {result.observations} observations"
        )
    for batches in result.sent:
        batches.clear()  # the rows are no longer needed


def _progress(r: RoundResult, writers: int) -> None:
    lat = sorted(r.latencies_ms)
    print(
        f"  round {r.index}: {r.obs_per_s:>8,.0f} obs/s ({r.batches} batches from {writers} "
        f"writers in {r.wall_s:.1f}s, {r.changed / max(1, r.observations):.0%} changed, "
        f"p50 {percentile(lat, 50):.0f} ms, p99 {percentile(lat, 99):.0f} ms)"
        f"  COPY {r.copy_rows_per_s:>9,.0f} rows/s  ratio {r.ratio or 0:.3f}"
        + (f"  ABORTED retries {r.aborted_retries}" if r.aborted_retries else ""),
        flush=True,
    )


def _describe(e: BaseException) -> str:
    if isinstance(e, ServerFailed | ScenarioError | dataset.DatasetError):
        return str(e)
    return f"{type(e).__name__}: {e}"


async def run_pricing_bench(config: PricingConfig) -> PricingReport:
    config.out_dir.mkdir(parents=True, exist_ok=True)
    report = PricingReport(config, loadavg_before=warn_if_busy())
    print("vitrine (pricing): preparing database and server", flush=True)
    try:
        report.dataset["database_created"] = await dataset.prepare(
            config.database_url, config.redis_url, config.redis_prefix, reset=config.reset_db
        )
        server = vitrine_server(
            free_port(),
            config.workers,
            config.out_dir / "vitrine-pricing.log",
            _vitrine_env(config),
            name="vitrine (pricing)",
        )
        async with server:
            report.dataset.update(
                await dataset.ensure_catalog(config.database_url, config.products)
            )
            await _run(report, server)
    except Exception as e:  # also asyncpg/grpc errors: report them
        report.error = _describe(e)
        if isinstance(e, ScenarioError) and "INTERNAL" in str(e):
            report.error += f" (the traceback is in {config.out_dir / 'vitrine-pricing.log'})"
        print(f"  FAILED: {report.error}", flush=True)
    report.loadavg_after = os.getloadavg()[0]
    return report


# --- sustained scale and the streaming RPC ---------------------------------------

# Messages per RecordPrices call: as many observations per call as one batch.
STREAM_MESSAGES = 100


async def storage(conn: asyncpg.Connection) -> dict[str, Any]:
    """price_points rows, and the bytes of the history's tables and indexes
    per million of those rows."""
    rows = await _count_points(conn)
    sizes = await conn.fetchrow(
        """
        SELECT (SELECT sum(pg_table_size(inhrelid)) FROM pg_inherits
                 WHERE inhparent = 'price_points'::regclass) AS points_table,
               (SELECT sum(pg_indexes_size(inhrelid)) FROM pg_inherits
                 WHERE inhparent = 'price_points'::regclass) AS points_indexes,
               pg_table_size('price_point_months') AS months_table,
               pg_indexes_size('price_point_months') AS months_indexes,
               pg_total_relation_size('best_price_points') AS best_prices_total
        """
    )
    per_million = 1e6 / max(1, rows)
    return {
        "price_points_rows": rows,
        "mb_per_million_rows": {
            k: round(int(v or 0) * per_million / 2**20, 1) for k, v in dict(sizes).items()
        },
    }


async def scale_run(
    report: PricingReport,
    stubs: list[Any],
    streams: list[Stream],
    conn: asyncpg.Connection,
    rows: int,
) -> int:
    """Rounds (without their COPY) until price_points holds until_rows rows;
    returns the CHANGED outcomes."""
    config = report.config
    assert config.until_rows is not None
    changed = 0
    index = len(report.rounds)
    vacuum = AutovacuumStandIn(config.database_url) if await autovacuum_is_off(conn) else None
    if vacuum is not None:
        print("  autovacuum is off on this server: the bench vacuums as it would", flush=True)
        await vacuum.start()
    try:
        while rows + changed < config.until_rows:
            index += 1
            r = await ingest(
                stubs,
                streams,
                config,
                _new_round(index, config.writers),
                duration_s=config.duration_s,
            )
            for sent in r.sent:
                sent.clear()  # no COPY: the rows are not kept
            changed += r.changed
            report.scale_rounds.append(r)
            print(
                f"  scale round {index}: {r.obs_per_s:>8,.0f} obs/s, price_points "
                f"~{rows + changed:,} rows (load {r.loadavg_1m:.1f})",
                flush=True,
            )
    finally:
        if vacuum is not None:
            await vacuum.close()
    report.scale = await storage(conn)
    if vacuum is not None:
        report.scale["autovacuum_stand_in"] = vacuum.log.to_json()
    return changed


async def stream_run(
    stubs: list[Any], streams: list[Stream], config: PricingConfig
) -> dict[str, Any]:
    """RecordPrices: each writer streams messages of stream_batch_size
    observations, STREAM_MESSAGES per call, for stream_duration_s."""
    for stream in streams:
        stream.batch_size = config.stream_batch_size
    deadline = time.monotonic() + config.stream_duration_s
    totals = {"observations": 0, "messages": 0, "calls": 0}

    async def writer(stub: Any, stream: Stream) -> None:
        while time.monotonic() < deadline:
            batches = [stream.take() for _ in range(STREAM_MESSAGES)]

            async def messages(batches: list[Batch]) -> Any:
                for b in batches:
                    yield pricing_service_pb2.RecordPricesRequest(
                        batch_id=b.request.batch_id, observations=b.request.observations
                    )

            response = await stub.RecordPrices(messages(batches), timeout=config.call_timeout_s)
            for b, r in zip(batches, response.batches, strict=True):
                verify_response(b, r)
            totals["observations"] += response.accepted_count
            totals["messages"] += len(batches)
            totals["calls"] += 1

    started = time.perf_counter()
    await _all([writer(stub, stream) for stub, stream in zip(stubs, streams, strict=True)])
    wall = time.perf_counter() - started
    return {
        "observations_per_message": config.stream_batch_size,
        "messages_per_call": STREAM_MESSAGES,
        "writers": len(stubs),
        "wall_s": round(wall, 3),
        **totals,
        "obs_per_s": round(totals["observations"] / wall),
        "messages_per_s": round(totals["messages"] / wall),
        "loadavg_1m": os.getloadavg()[0],
    }


async def _run(report: PricingReport, server: ServerProcess) -> None:
    config = report.config
    W = config.writers
    conn = await asyncpg.connect(config.database_url, server_settings={"jit": "off"})
    copy_conns: list[asyncpg.Connection] = []
    channels: list[grpc.aio.Channel] = []
    try:
        groups, stores, latest = await choose_offers(conn, config)
        streams, info = make_streams(groups, latest, config)
        report.info.update(info, stores=stores, offers=sum(len(g) for g in groups))
        channels, split = await open_channels(server, W)
        report.info["connections_per_worker"] = sorted(split.values(), reverse=True)
        stubs = [pricing_service_pb2_grpc.PricingServiceStub(c) for c in channels]
        points_before = await _count_points(conn)
        print(
            f"  {report.info['offers']:,} offers of stores {stores}; writer connections per "
            f"server worker: {report.info['connections_per_worker']}",
            flush=True,
        )

        # The lone writer: latency without contention.
        solo = await ingest(
            stubs[:1], streams[:1], config, _new_round(0, W), max_batches=SOLO_CALLS
        )
        report.solo_latencies_ms = sorted(solo.latencies_ms)
        # Warm-up: every writer's connection, the server's pools and plans.
        warm = await ingest(
            stubs, streams, config, _new_round(0, W), max_batches=config.warmup_batches
        )
        copy_conns = [await asyncpg.connect(config.database_url) for _ in range(W)]
        await create_scratch(conn)
        await copy_round(copy_conns, warm)
        changed = solo.changed + warm.changed

        for i in range(1, config.rounds + 1):
            before = await cpu_snapshot(server, conn)
            r = await ingest(stubs, streams, config, _new_round(i, W), duration_s=config.duration_s)
            cpu = cpu_used(before, await cpu_snapshot(server, conn))
            r.server_cpu_s, r.postgres_cpu_s = cpu["server"], cpu["postgres"]
            await copy_round(copy_conns, r)
            report.rounds.append(r)
            changed += r.changed
            _progress(r, W)

        if config.until_rows is not None:
            changed += await scale_run(report, stubs, streams, conn, points_before + changed)

        # Send what the writers had built but not sent, so that the offers'
        # current prices can be compared with the last ones sent.
        rest = [i for i, s in enumerate(streams) if s.pending is not None]
        tail = await ingest(
            [stubs[i] for i in rest],
            [streams[i] for i in rest],
            config,
            _new_round(0, W),
            max_batches=1,
        )
        changed += tail.changed
        report.aborted_retries = sum(
            x.aborted_retries for x in (solo, warm, tail, *report.rounds, *report.scale_rounds)
        )
        await server.check_alive()

        points_after = await _count_points(conn)
        report.info["checks"] = {
            "price_points_new_rows": points_after - points_before,
            "changed_outcomes": changed,
        }
        if points_after - points_before != changed:
            raise ScenarioError(
                f"{points_after - points_before} new price_points rows for {changed} "
                "CHANGED outcomes"
            )
        await _check_current_prices(conn, streams)
        report.info["checks"]["offers_current_price"] = "ok"
        if config.stream_duration_s > 0:
            report.streaming = await stream_run(stubs, streams, config)
            s = report.streaming
            print(
                f"  RecordPrices: {s['obs_per_s']:,} obs/s ({s['messages_per_s']:,} messages/s "
                f"of {s['observations_per_message']} observations)",
                flush=True,
            )
        report.info["history_year_hourly"] = await measure_history(conn, stubs[0], groups)
        _print_history(report.info["history_year_hourly"])
    finally:
        with contextlib.suppress(Exception):
            await conn.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
        for c in [conn, *copy_conns]:
            with contextlib.suppress(Exception):
                await c.close()
        for ch in channels:
            await ch.close()


# --- reading history ------------------------------------------------------------

HISTORY_CALLS = 30


async def measure_history(
    conn: asyncpg.Connection, stub: Any, groups: list[list[OfferState]]
) -> dict[str, Any]:
    """GetPriceHistory of one offer holding a year of hourly change points
    (written straight into price_points once), raw and bucketed, as a client
    sees it: p50 and min of HISTORY_CALLS calls each."""
    taken = {o.offer_id for g in groups for o in g}
    offer_id, product_id = await conn.fetchrow(
        "SELECT id, product_id FROM offers WHERE NOT (id = ANY($1::bigint[])) ORDER BY id LIMIT 1",
        list(taken),
    )
    await conn.execute(
        "INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,"
        " price_minor, in_stock)"
        " SELECT $1, $2, t, t, 'BRL', 100000 + (n % 13) * 100, true"
        " FROM generate_series(1, 8760) AS n,"
        " LATERAL (SELECT date_trunc('hour', now()) - n * interval '1 hour' AS t) AS x"
        " ON CONFLICT (offer_id, valid_from) DO NOTHING",
        offer_id,
        product_id,
    )
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(datetime.now(UTC) - timedelta(days=365))
    out: dict[str, Any] = {"offer_id": offer_id}
    for name, granularity in (
        ("raw", history_pb2.GRANULARITY_RAW),
        ("day", history_pb2.GRANULARITY_DAY),
        ("hour", history_pb2.GRANULARITY_HOUR),
    ):
        request = pricing_service_pb2.GetPriceHistoryRequest(
            offer_id=offer_id, start_time=start, granularity=granularity
        )
        await stub.GetPriceHistory(request, timeout=30)  # warm
        times = []
        for _ in range(HISTORY_CALLS):
            t0 = time.perf_counter()
            response = await stub.GetPriceHistory(request, timeout=30)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        series = response.series[0]
        out[name] = {
            "entries": len(series.points.price_minor) or len(series.buckets.open_minor),
            "p50_ms": round(times[len(times) // 2], 2),
            "min_ms": round(times[0], 2),
        }
    return out


def _print_history(h: dict[str, Any]) -> None:
    print("  GetPriceHistory, a year of hourly changes of one offer (client-side):", flush=True)
    for name in ("raw", "day", "hour"):
        x = h[name]
        print(
            f"    {name:<4} {x['entries']:>6,} entries  p50 {x['p50_ms']:7.2f} ms"
            f"  min {x['min_ms']:7.2f} ms",
            flush=True,
        )


# --- the report -------------------------------------------------------------------

NOTE = (
    "COPY is a ceiling, not a target: it only appends rows (no change detection, "
    "no offer or product update, no idempotency bookkeeping, no cache invalidation)."
)


def table(report: PricingReport) -> str:
    c = report.config
    lines = [
        f"price ingestion: RecordPriceBatch({c.batch_size:,}), {c.writers} writers, "
        f"{c.rounds} rounds of {c.duration_s:g}s"
    ]
    med = report.median_round()
    if med is not None:
        ratios = " ".join(f"{r.ratio:.3f}" for r in report.rounds if r.ratio is not None)
        lat = report.latencies()
        solo = report.solo_latencies_ms
        lines += [
            f"  ingestion          {med.obs_per_s:>10,.0f} obs/s     "
            f"({med.changed / max(1, med.observations):.0%} of them change points; median round)",
            f"  COPY, same rows    {med.copy_rows_per_s:>10,.0f} rows/s    "
            f"({c.writers} connections, one COPY per {c.batch_size:,} rows)",
            f"  ingestion / COPY   {med.ratio:>10.3f}           (rounds: {ratios})",
            f"  latency, {c.writers} writers  p50 {percentile(lat, 50):7.1f} ms  "
            f"p99 {percentile(lat, 99):7.1f} ms  ({len(lat)} calls)",
            f"  latency, 1 writer   p50 {percentile(solo, 50):7.1f} ms  "
            f"max {max(solo):7.1f} ms  ({len(solo)} calls, alone)",
        ]
        per_1000 = 1e6 / max(1, med.observations)
        lines.append(
            f"  CPU per 1,000 obs  PostgreSQL {med.postgres_cpu_s * per_1000:,.0f} ms, "
            f"server {med.server_cpu_s * per_1000:,.0f} ms (median round)"
        )
        if report.aborted_retries:
            lines.append(
                f"  ABORTED (concurrent-update conflict, a deadlock) and resent with the same "
                f"batch id: {report.aborted_retries} batches over the run"
            )
        if report.streaming:
            st = report.streaming
            lines.append(
                f"  RecordPrices       {st['obs_per_s']:>10,} obs/s     (streams of "
                f"{st['observations_per_message']}-observation messages, "
                f"{st['messages_per_s']:,} messages/s; "
                f"{st['obs_per_s'] / max(1.0, med.obs_per_s):.2f}x RecordPriceBatch)"
            )
        lines += scale_lines(report)
        checks = report.info.get("checks")
        if checks:
            lines.append(
                f"  checks: {checks['price_points_new_rows']:,} new price_points rows = "
                f"{checks['changed_outcomes']:,} CHANGED outcomes; no REJECTED; offers' "
                "current prices = last sent"
            )
        lines.append(f"  {NOTE}")
    if report.error:
        lines.append(f"  ERROR: {report.error}")
    return "\n".join(lines)


def scale_lines(report: PricingReport) -> list[str]:
    if not report.scale_rounds:
        return []
    first, last = scale_ends(report.scale_rounds)
    sizes = report.scale.get("mb_per_million_rows", {})
    lines = [
        f"  scale: to {report.scale.get('price_points_rows', 0):,} price_points rows in "
        f"{len(report.scale_rounds)} rounds: first {first:,.0f} obs/s, last {last:,.0f} obs/s "
        f"(medians of {SCALE_ENDS} rounds), {(last / max(1.0, first) - 1) * 100:+.0f}%",
        "  MB per million price_points rows: " + ", ".join(f"{k} {v}" for k, v in sizes.items()),
    ]
    if "autovacuum_stand_in" in report.scale:
        v = report.scale["autovacuum_stand_in"]
        lines.append(
            f"  vacuumed as autovacuum would (it is off here): {v['vacuums']} runs, "
            f"{v['seconds']} s, concurrently with the load"
        )
    return lines


# A scale run's start and end are the median throughput of this many rounds
# each: one 15-second round moves 10-15% with the machine's load.
SCALE_ENDS = 5


def scale_ends(rounds: list[RoundResult]) -> tuple[float, float]:
    """The median obs/s of the first and of the last SCALE_ENDS rounds."""
    n = min(SCALE_ENDS, len(rounds))
    return (
        statistics.median(r.obs_per_s for r in rounds[:n]),
        statistics.median(r.obs_per_s for r in rounds[-n:]),
    )


def to_json(report: PricingReport) -> dict[str, Any]:
    c = report.config
    med = report.median_round()
    lat = report.latencies()
    solo = report.solo_latencies_ms
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_1m_before": report.loadavg_before,
            "loadavg_1m_after": report.loadavg_after,
        },
        "settings": {
            "database_url": c.database_url,
            "server_workers": c.workers,
            "writers": c.writers,
            "batch_size": c.batch_size,
            "offers": c.offers,
            "duration_s": c.duration_s,
            "rounds": c.rounds,
            "warmup_batches": c.warmup_batches,
            "change_fraction": c.change_fraction,
            "seed": c.seed,
            "copy_table": f"{SCRATCH_TABLE}: LIKE price_points (columns, checks, primary key, "
            "product index) + offer foreign key, logged, not partitioned",
        },
        "dataset": report.dataset,
        "run": {k: v for k, v in report.info.items() if k != "checks"},
        "rounds": [r.to_json() for r in report.rounds],
        "summary": None
        if med is None
        else {
            "obs_per_s": round(med.obs_per_s),
            "copy_rows_per_s": round(med.copy_rows_per_s),
            "ratio": round(med.ratio or 0.0, 4),
            "latency_ms": {
                "writers": c.writers,
                "calls": len(lat),
                "p50": round(percentile(lat, 50), 2),
                "p99": round(percentile(lat, 99), 2),
            },
            "latency_alone_ms": {
                "calls": len(solo),
                "p50": round(percentile(solo, 50), 2),
                "max": round(max(solo), 2),
            },
            "aborted_retries_whole_run": report.aborted_retries,
        },
        "checks": report.info.get("checks"),
        "streaming": report.streaming or None,
        "scale": None
        if not report.scale_rounds
        else {
            **report.scale,
            "first_last_obs_per_s": [round(x) for x in scale_ends(report.scale_rounds)],
            "rounds": [r.to_json() for r in report.scale_rounds],
        },
        "note": NOTE,
        "measured": report.measured,
        "error": report.error,
    }


def write_report(report: PricingReport, started: float) -> dict[str, Any]:
    data = to_json(report)
    data["bench_seconds"] = round(time.monotonic() - started, 1)
    write_json(report.config.out_dir / "pricing.json", data)
    return data
