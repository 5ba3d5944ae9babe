"""Keeps the MeiliSearch index in step with the catalog, following the
outbox log (search/feed.py) with its own cursor, like every index.

Every change that alters a search document writes to the outbox in its own
transaction (migrations/0017_search_engine.up.sql), so a committed write is
never missed, across crashes and restarts. The indexer follows the log in
batches: inside one transaction it takes the indexing lock (one indexer at
a time across all instances), reads the rows after its position and the
products' current state, sends the documents to MeiliSearch, waits until
MeiliSearch has applied them, and only then moves its position (in
outbox_consumers, committed with the same transaction). A failure anywhere
leaves the position where it was, for the next try; applying a change
twice is harmless.

A full reindex builds a second index beside the live one, swaps the two
atomically and drops the old one: searches never see a partial index. It
notes the snapshot to follow the log from before it reads the tables, and
holds the indexing lock throughout; the indexer then resumes from there. It
reindexes by itself when it has no position yet, or when its position fell
below the log's pruned horizon.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import meilisearch
from meilisearch.errors import MeilisearchApiError

from vitrine_server.background import Background
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.search import feed
from vitrine_server.search.documents import Q as _DOCS
from vitrine_server.search.meili.documents import document
from vitrine_server.search.meili.settings import index_settings
from vitrine_server.search.settings import SettingsStore

log = logging.getLogger("vitrine.search.indexer")

_FEED = feed.Q

_Q = load_queries(__package__, "indexer.sql")

BATCH = 500
REINDEX_BATCH = 1000
IDLE_POLL_S = 0.25
RETRY_S = (0.5, 1.0, 2.0, 5.0)
TASK_TIMEOUT_MS = 30_000


class MeiliIndexer(Background):
    task_name = "search-indexer"

    def __init__(
        self,
        db: Database,
        client: meilisearch.Client,
        index_uid: str,
        settings: SettingsStore,
        database_url: str,
    ):
        self._db = db
        self.client = client
        self.index_uid = index_uid
        self._settings = settings
        self._database_url = database_url
        self._pushed: dict[str, Any] | None = None
        self._ready = False
        self._feed = feed.Log(db)
        self.consumer = f"meilisearch:{index_uid}"

    # -- the loop --------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                if not self._ready:
                    await self._prepare()
                    self._ready = True
                await self._push_settings(self.index_uid)
                moved = await self.drain_once()
                if failures:
                    log.info("search indexer recovered")
                failures = 0
                if not moved:
                    await asyncio.sleep(IDLE_POLL_S)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # MeiliSearch or PostgreSQL away: retry, keep the rows
                if failures == 0:
                    log.warning("search indexer failing, will retry: %s", err)
                await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S) - 1)])
                failures += 1

    async def _prepare(self) -> None:
        """Make sure the index exists, and build it when this index has no
        position in the log yet, or one below the pruned horizon."""
        await self._ensure_index(self.index_uid)
        await self._push_settings(self.index_uid)
        position = await self._position()
        if position is None or await self._feed.behind_horizon(position):
            log.info("search index %s has no usable log position: building it", self.index_uid)
            await self.reindex(_no_progress)

    async def _position(self) -> feed.Position | None:
        found = await self._db.fetchval(_FEED.consumer_position, self.consumer)
        return feed.Position.from_json(found) if found else None

    async def drain_once(self) -> int:
        """Apply one batch of the log; returns how many rows it took. The new
        position is recorded in the transaction that holds the indexing lock,
        after MeiliSearch applied the documents."""
        async with self._db.transaction() as conn:
            if not await conn.fetchval(_Q.try_indexer_lock):
                return 0
            found = await conn.fetchval(_FEED.consumer_position, self.consumer)
            if found is None:
                self._ready = False  # built by nobody yet: _prepare builds it
                return 0
            batch = await self._feed.read(feed.Position.from_json(found), BATCH)
            product_ids = set(batch.ids(feed.PRODUCT))
            categories = batch.ids(feed.CATEGORY)
            if categories:
                below = await conn.fetch(_DOCS.products_below_categories, categories)
                product_ids.update(r["id"] for r in below)
            ids = sorted(product_ids)
            if ids:
                products = await conn.fetch(_DOCS.product_documents, ids)
                await self._apply(self.index_uid, products, ids)
            await conn.fetchval(
                _FEED.report_position, self.consumer, json.dumps(batch.end.to_json())
            )
        return len(batch.changes)

    async def pending(self) -> int:
        position = await self._position()
        return await self._feed.missing(position or feed.Position())

    # -- full reindex ----------------------------------------------------------

    async def reindex(self, progress: Callable[[int, int], Awaitable[None]]) -> int:
        """Rebuild the index beside the live one and swap it in. Returns the
        number of documents indexed."""
        lock = await asyncpg.connect(self._database_url)
        try:
            await lock.fetchval(_Q.indexer_lock)
            return await self._rebuild(progress)
        finally:
            await lock.close()  # closing the session releases its lock

    async def _rebuild(self, progress: Callable[[int, int], Awaitable[None]]) -> int:
        live, building = self.index_uid, f"{self.index_uid}_rebuild"
        await self._ensure_index(live)
        await self._drop_index(building)
        await self._ensure_index(building)
        await self._push_settings(building, force=True)
        # Changes the reads below may miss are those this snapshot does not see.
        start = feed.Position(await self._feed.snapshot())
        total = int(await self._db.fetchval(_DOCS.count_live_products))
        await progress(0, total)
        done, after = 0, 0
        while True:
            ids = [
                r["id"] for r in await self._db.fetch(_DOCS.live_product_ids, after, REINDEX_BATCH)
            ]
            if not ids:
                break
            after = ids[-1]
            products = await self._db.fetch(_DOCS.product_documents, ids)
            await self._apply(building, products, ids)
            done += len(ids)
            await progress(min(done, total), total)
        await self._wait(
            await self._call(self.client.swap_indexes, [{"indexes": [live, building]}])
        )
        await self._drop_index(building)  # the old live index, after the swap
        await self._feed.report(self.consumer, start)
        await progress(total, total)
        log.info("search index %s rebuilt with %d documents", live, done)
        return done

    # -- MeiliSearch calls -----------------------------------------------------

    async def _apply(self, uid: str, products: list[Any], product_ids: list[int]) -> None:
        index = self.client.index(uid)
        live = [document(p) for p in products if p["live"]]
        gone = sorted(set(product_ids) - {d["id"] for d in live})
        if live:
            await self._wait(await self._call(index.add_documents, live, "id"))
        if gone:
            await self._wait(await self._call(index.delete_documents, gone))

    async def _push_settings(self, uid: str, *, force: bool = False) -> None:
        wanted = index_settings(await self._settings.current())
        if force or wanted != self._pushed or uid != self.index_uid:
            await self._wait(await self._call(self.client.index(uid).update_settings, wanted))
            if uid == self.index_uid:
                self._pushed = wanted

    async def _ensure_index(self, uid: str) -> None:
        try:
            await self._call(self.client.get_index, uid)
        except MeilisearchApiError as err:
            if err.code != "index_not_found":
                raise
            task = await self._call(self.client.create_index, uid, {"primaryKey": "id"})
            await self._wait(task, tolerate="index_already_exists")

    async def _drop_index(self, uid: str) -> None:
        await self._wait(
            await self._call(self.client.delete_index, uid), tolerate="index_not_found"
        )

    async def _wait(self, task_info: Any, *, tolerate: str = "") -> None:
        """MeiliSearch applies writes asynchronously: wait for the task, and
        fail (keeping the outbox rows) unless it succeeded, or failed only
        with the error code `tolerate`."""
        task = await self._call(self.client.wait_for_task, task_info.task_uid, TASK_TIMEOUT_MS, 50)
        code = (task.error or {}).get("code") if task.status == "failed" else None
        if task.status != "succeeded" and not (tolerate and code == tolerate):
            raise RuntimeError(f"MeiliSearch task {task_info.task_uid} {task.status}: {task.error}")

    @staticmethod
    async def _call(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)


async def _no_progress(done: int, total: int) -> None:
    return None
