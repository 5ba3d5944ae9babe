"""Cache-aside of serialized protobuf in Redis, correct under concurrency.

Entries are bytes whose first byte says what they are:
  b"V" + payload   a live entity,
  b"D" + payload   a soft-deleted entity (shown only with show_deleted),
  b"N"             known absent,
  b"L" + token     a lease: some reader is loading it from PostgreSQL.

Three guarantees, and how:

* No stampede. A miss atomically leaves a lease in the key (Lua), so one
  reader loads from PostgreSQL while the others wait briefly for its fill.

* A read that starts after a write returned never sees the old value.
  Writers delete the keys after commit. A fill is accepted only if the
  filler's lease is still in the key (Lua), so a reader that loaded the old
  row before the write cannot put it back after the write deleted it.
  Reads are never shared between callers: each sends its own script after
  it started. They go out on one pipelined connection (cache/pipeline.py),
  so a hit costs a write and a future, not a round trip through redis-py.

* No stale entry after Redis was unreachable. A write that cannot delete its
  keys records them in PostgreSQL (cache_invalidations) and bumps
  cache_state.generation in the same statement. Every process re-reads the
  generation twice a second, and the read script serves entries only while
  Redis holds the same generation; the writer waits out that propagation
  before it returns. Redis gets the new generation only from a reconcile,
  which first deletes every owed key. Until then every read goes to
  PostgreSQL, so reads and writes keep working with Redis down, and nothing
  stale is served when it is back (docs/operations.md, "Caching").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from vitrine_server import errors
from vitrine_server.background import Outage, cancel_and_wait
from vitrine_server.cache.keys import LEASE_MS, Keys
from vitrine_server.cache.local import LocalTier
from vitrine_server.cache.pipeline import Pipe
from vitrine_server.cache.redis import REDIS_DOWN
from vitrine_server.cache.redis import scan as redis_scan
from vitrine_server.cache.scripts import script
from vitrine_server.cache.stats import ReadCounts
from vitrine_server.db import consistency
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

log = logging.getLogger("vitrine.cache")

LIVE, DELETED, ABSENT, LEASE = b"V"[0], b"D"[0], b"N"[0], b"L"[0]
ABSENT_ENTRY = b"N"

# How often each process re-reads cache_state.generation, and how long a
# writer that could not invalidate waits so that every process has seen it.
GENERATION_POLL_S = 0.5
PROPAGATION_WAIT_S = 2 * GENERATION_POLL_S + 0.2
# Waiting for another reader's fill: a few short polls, then PostgreSQL.
LEASE_POLLS = (0.005, 0.01, 0.02, 0.04)
RECONCILE_LOCK_ID = 0x76697472696E66

# Named scripts (cache/scripts/*.lua) and statements (state.sql).
_READ = script("cache_read")
_FILL = script("cache_fill")
_SET_GENERATION = script("set_generation")
Q = load_queries(__package__, "state.sql")

Loader = Callable[[list[int]], Awaitable[list[bytes]]]


class _Untrusted(Exception):
    """Redis is down, or holds an older generation than PostgreSQL."""


class _Lease:
    """This caller must load the entry and may fill it."""


class _Busy:
    """Another reader holds the lease."""


LEASED, BUSY = _Lease(), _Busy()


class CacheAside:
    def __init__(
        self,
        redis: aioredis.Redis,
        pipe: Pipe,
        keys: Keys,
        db: Database,
        *,
        enabled: bool = True,
        clustered: bool = False,
    ):
        self.redis = redis
        self.pipe = pipe
        self.keys = keys
        self.db = db
        self.enabled = enabled
        # On a Redis Cluster (see _drop_entries).
        self.clustered = clustered
        self._failed_over = False
        # Known cache_state.generation; None until read from PostgreSQL.
        self.generation: int | None = None
        # Locally known to be unusable (Redis failed, or a generation mismatch).
        self.trusted = False
        # What reads did (cache/stats.py): in all (`stats`) and per cache
        # (`counters`: "product", "category", ...; for AdminService.GetCacheStats
        # and metrics).
        self.counts = ReadCounts(keys.entity_of)
        self.stats = self.counts.totals
        self.counters = self.counts.by_cache
        self.local = LocalTier()
        self.channel = keys.invalidations()
        self._set_generation = redis.register_script(_SET_GENERATION.source)
        # Lease tokens: unique per read, across processes and instances.
        self._token_prefix = secrets.token_hex(6) + ":"
        self._tokens = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reconcile_outage = Outage(
            log, "cache reconcile (reads stay on PostgreSQL)", (errors.VitrineError,)
        )

    # -- lifecycle ------------------------------------------------------

    async def start(self) -> None:
        await self._poll_once()
        self._task = asyncio.create_task(self._maintain(), name="cache-maintenance")

    async def close(self) -> None:
        self.pipe.close()
        if self._task:
            await cancel_and_wait(self._task)

    async def _maintain(self) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), GENERATION_POLL_S)
            self._wake.clear()
            try:
                await self._poll_once()
            except Exception:  # keep the loop alive whatever happens; log once per failure
                log.exception("cache maintenance failed")

    async def _poll_once(self) -> None:
        try:
            self.generation = await self.db.fetchval(Q.current_generation)
        except Exception:
            return  # PostgreSQL down: keep the last known generation
        if not self.trusted:
            await self._reconcile()

    async def _reconcile(self) -> None:
        """Delete every owed key, then give Redis the current generation."""
        try:
            await self.redis.ping()
            async with self.db.transaction() as tx:
                await tx.execute(Q.reconcile_lock, RECONCILE_LOCK_ID)
                generation = await tx.fetchval(Q.current_generation)
                owed = [r["key"] for r in await tx.fetch(Q.owed_keys, generation)]
                for start in range(0, len(owed), 500):
                    await self._delete(owed[start : start + 500])
                if self._failed_over:
                    owed.extend(await self._drop_entries())
                for tag in self.keys.shard_tags():
                    await self._set_generation(
                        keys=[self.keys.cache_generation(tag)], args=[generation]
                    )
                await tx.execute(Q.forget_owed, generation)
        except REDIS_DOWN:
            return
        except Exception as err:  # PostgreSQL away or hung: retried every poll, logged once
            self._reconcile_outage.failed(err)
            return
        self._reconcile_outage.succeeded()
        if owed:
            log.info("cache reconciled: deleted %d owed keys", len(owed))
        self.generation = max(self.generation or 0, generation)
        self._failed_over = False
        self.trusted = True

    async def _drop_entries(self) -> list[str]:
        """Every cache entry, deleted (a cluster whose node failed): a master
        acknowledges a DEL before its replica has it, so a replica promoted
        in a failover may hold an entry a write deleted. Every process sees
        the failed node as an error before the promoted one (its connection
        was to the old master) and distrusts the cache until it dropped
        everything once (the first reconcile after the failure)."""
        dropped: list[str] = []
        batch: list[str] = []
        async for key in redis_scan(self.redis, self.keys.cache_pattern(""), 1000):
            batch.append(key.decode())
            if len(batch) >= 500:
                await self._delete(batch)
                dropped += batch
                batch = []
        await self._delete(batch)
        return dropped + batch

    def _distrust(self, failed: bool = False) -> None:
        """Reads go to PostgreSQL until a reconcile. `failed`: Redis did not
        answer, which on a cluster may be a failover (see _drop_entries)."""
        if failed and self.clustered:
            self._failed_over = True
        if self.trusted:
            log.warning("cache not trusted: reads go to PostgreSQL until Redis is reconciled")
        self.trusted = False
        self._wake.set()

    # -- reads ----------------------------------------------------------

    async def fetch(
        self,
        keys: Sequence[str],
        load: Loader,
        ttl_ms: Callable[[bytes], int],
        *,
        max_age: float = 0.0,
    ) -> list[bytes]:
        """The entry of every key: from Redis when trusted, else from `load`.

        `load(indices)` returns entries for those positions of `keys`, from
        PostgreSQL; `ttl_ms(entry)` says how long a filled entry may live.
        With `max_age` > 0 the caller accepts entries that old from this
        process's memory (cache/local.py); otherwise the answer reflects
        every write that returned before this call.
        """
        if max_age <= 0 or not self.enabled:
            return await self._fetch_shared(keys, load, ttl_ms)
        found = [self.local.get(key, max_age) for key in keys]
        missing = [i for i, entry in enumerate(found) if entry is None]
        if keys:
            self.counters.add("local", len(keys) - len(missing), len(missing))
        if missing:

            async def load_missing(indices: list[int]) -> list[bytes]:
                return await load([missing[j] for j in indices])

            shared = await self._fetch_shared([keys[i] for i in missing], load_missing, ttl_ms)
            for i, entry in zip(missing, shared, strict=True):
                found[i] = entry
        return cast(list[bytes], found)

    async def _fetch_shared(
        self, keys: Sequence[str], load: Loader, ttl_ms: Callable[[bytes], int]
    ) -> list[bytes]:
        """From Redis (or PostgreSQL), and remembered in the in-process tier
        (not when Redis was bypassed: those loads may come from a replica,
        older than the read's start by its lag)."""
        started = time.monotonic()
        entries, through_redis = await self._fetch_redis(keys, load, ttl_ms)
        if through_redis:
            for key, entry in zip(keys, entries, strict=True):
                self.local.put(key, entry, started)
        return entries

    async def _fetch_redis(
        self, keys: Sequence[str], load: Loader, ttl_ms: Callable[[bytes], int]
    ) -> tuple[list[bytes], bool]:
        """The entries, and whether they came through Redis (else `load` read
        them all, bypassing it). Loads that fill Redis, or stand in for a fill,
        read the primary: an entry filled from a lagging replica would stay
        stale in Redis for as long as its TTL."""
        if not (self.enabled and self.trusted):
            self.counts.reads(keys, bypassed=len(keys))
            return await load(list(range(len(keys)))), False
        # Each key once: a repeated key would otherwise wait on its own lease.
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        unique = list(first)
        try:
            token, found = await self._read(unique)
        except _Untrusted:
            self.counts.reads(keys, bypassed=len(keys))
            return await load(list(range(len(keys)))), False
        entries: dict[str, bytes] = {}
        leased: list[str] = []
        busy: list[str] = []
        for key, value in zip(unique, found, strict=True):
            if value is LEASED:
                leased.append(key)
            elif value is BUSY:
                busy.append(key)
            else:
                entries[key] = cast(bytes, value)
        self.counts.reads(keys, hits=len(entries), misses=len(leased) + len(busy))
        if leased:
            with consistency.primary_only():
                loaded = await load([first[k] for k in leased])
            entries.update(zip(leased, loaded, strict=True))
            await self._fill(token, leased, loaded, ttl_ms)
        if busy:
            with consistency.primary_only():
                waited = await self._await_fills(busy, load, [first[k] for k in busy])
            entries.update(zip(busy, waited, strict=True))
        return [entries[key] for key in keys], True

    async def _read(self, keys: list[str]) -> tuple[str, list[object]]:
        """The read script for `keys`, once per cache shard they fall in (one
        on a single Redis server): (lease token, entry / LEASED / BUSY per key)."""
        token = f"{self._token_prefix}{next(self._tokens)}"
        groups = self._by_shard(keys)
        generation = self.generation or 0
        try:
            replies = await self._eval_reads(
                [
                    (
                        1 + len(group),
                        self.keys.cache_generation(tag),
                        *group,
                        token,
                        LEASE_MS,
                        generation,
                    )
                    for tag, group in groups.items()
                ]
            )
        except REDIS_DOWN as err:
            self._distrust(failed=True)
            raise _Untrusted(str(err)) from err
        if any(values is None for values in replies):
            self._distrust()
            raise _Untrusted("generation mismatch")
        by_key = {
            key: value
            for group, values in zip(groups.values(), replies, strict=True)
            for key, value in zip(group, values, strict=True)
        }
        out: list[object] = []
        for key in keys:
            value = by_key[key]
            if value == b"":
                out.append(LEASED)
            elif value[0] == LEASE:
                out.append(BUSY)
            else:
                out.append(value)
        return token, out

    def _by_shard(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """Keys grouped by their cache shard's hash tag (one group on one server)."""
        groups: dict[str, list[str]] = {}
        for key in keys:
            groups.setdefault(self.keys.tag_of(key), []).append(key)
        return groups

    async def _eval_reads(self, calls: list[tuple[object, ...]]) -> list[Any]:
        """The read script once per (numkeys, *args), in one write per node."""
        commands = [("EVALSHA", _READ.sha, *call) for call in calls]
        try:
            if len(commands) == 1:  # the hot path: one key, or keys of one shard
                return [await self.pipe.call(*commands[0])]
            return await self.pipe.call_many(commands)
        except ResponseError as err:
            if not str(err).startswith("NOSCRIPT"):
                raise
            await self.pipe.call("SCRIPT", "LOAD", _READ.source)
            return await self.pipe.call_many(commands)

    async def _await_fills(self, keys: list[str], load: Loader, indices: list[int]) -> list[bytes]:
        """Entries another reader is loading: wait a little for its fill."""
        for pause in LEASE_POLLS:
            await asyncio.sleep(pause)
            try:
                groups = self._by_shard(keys)
                replies = await self.pipe.call_many([("MGET", *group) for group in groups.values()])
                got = {
                    k: v
                    for group, values in zip(groups.values(), replies, strict=True)
                    for k, v in zip(group, values, strict=True)
                }
                raw = [got[key] for key in keys]
            except REDIS_DOWN:
                self._distrust(failed=True)
                break
            if all(v is not None and v[0] != LEASE for v in raw):
                return [cast(bytes, v) for v in raw]
        return await load(indices)

    async def _fill(
        self, token: str, keys: list[str], entries: list[bytes], ttl_ms: Callable[[bytes], int]
    ) -> None:
        values = dict(zip(keys, entries, strict=True))
        commands: list[tuple[object, ...]] = []
        for group in self._by_shard(keys).values():
            args: list[bytes | str | int] = [token]
            for key in group:
                args += [values[key], ttl_ms(values[key])]
            commands.append(("EVALSHA", _FILL.sha, len(group), *group, *args))
        try:
            try:
                await self.pipe.call_many(commands)
            except ResponseError as err:
                if not str(err).startswith("NOSCRIPT"):
                    raise
                await self.pipe.call("SCRIPT", "LOAD", _FILL.source)
                await self.pipe.call_many(commands)
        except REDIS_DOWN:
            self._distrust(failed=True)

    # -- writes ---------------------------------------------------------

    async def _delete(self, keys: Sequence[str]) -> None:
        """DEL the keys: one round trip, keys of any slot (a cluster pipeline
        sends each command to its own master)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for group in _by_tag(keys):
                pipe.execute_command("DEL", *group)
            await pipe.execute()

    async def invalidate(self, keys: Sequence[str]) -> None:
        """Call after the write committed. Deletes the keys, or owes them."""
        keys = list(keys)
        if not keys:
            return
        self.local.discard(keys)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for group in _by_tag(keys):
                    pipe.execute_command("DEL", *group)
                # Other processes drop them from their in-process tiers.
                pipe.spublish(self.channel, "\n".join(keys))
                await pipe.execute()
            return
        except REDIS_DOWN:
            pass
        self.counts.owed(len(keys))
        self._distrust(failed=True)
        try:
            self.generation = await self.db.fetchval(Q.record_invalidations, keys)
        except Exception:
            # PostgreSQL went away right after our commit: nothing durable can
            # be recorded. Say so loudly; TTLs bound the damage.
            log.error("could not record owed cache invalidations %s", keys[:10], exc_info=True)
            return
        log.warning("Redis unreachable: %d cache keys owed, reads go to PostgreSQL", len(keys))
        self._wake.set()
        # Every process must see the new generation before this write returns.
        await asyncio.sleep(PROPAGATION_WAIT_S)


def _by_tag(keys: Sequence[str]) -> list[list[str]]:
    """The keys grouped by hash tag, so that each group can be one DEL: on a
    cluster every key of a command must share a slot, and keys of one tag
    do. On one Redis server every cache key has the one tag `{c0}`, so a
    write's invalidations are a single DEL (a command per key cost redis-py
    about as much Python as the rest of a 1,000-observation price batch)."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        tag = Keys.tag_of(key) if "{" in key else key
        groups.setdefault(tag, []).append(key)
    return list(groups.values())
