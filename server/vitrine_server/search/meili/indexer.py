"""Keeps the MeiliSearch index in step with the catalog, through the outbox.

Every statement that writes products or offers records the products it
touched in the outbox, in its own transaction (migrations/0009_search.up.sql),
so a committed write is never missed, across crashes and restarts. The
indexer drains the outbox in batches: inside one transaction it takes the
indexing lock (one indexer at a time across all instances), reads the
pending rows and the products' current state, sends the documents to
MeiliSearch, waits until MeiliSearch has applied them, and only then
deletes the rows. A failure anywhere leaves the rows for the next try.

A full reindex builds a second index beside the live one, swaps the two
atomically and drops the old one: searches never see a partial index. It
holds the indexing lock throughout, so changes made meanwhile wait in the
outbox and are applied to the new index after the swap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import meilisearch
from meilisearch.errors import MeilisearchApiError

from vitrine_server.background import Background
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.search.meili.documents import document
from vitrine_server.search.meili.settings import index_settings
from vitrine_server.search.settings import SettingsStore

log = logging.getLogger("vitrine.search.indexer")

_Q = load_queries(__package__, "indexer.sql")
_DOCS = load_queries(__package__, "documents.sql")

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
        """Turn the feed on, make sure the index exists, and fill it when it
        is new (the feed only carries changes made after it was on)."""
        await self._db.fetchval(_Q.enable_outbox)
        await self._ensure_index(self.index_uid)
        await self._push_settings(self.index_uid)
        stats = await self._call(self.client.index(self.index_uid).get_stats)
        if stats.number_of_documents == 0 and await self._db.fetchval(_DOCS.count_live_products):
            log.info("search index %s is empty: building it", self.index_uid)
            await self.reindex(_no_progress)

    async def drain_once(self) -> int:
        """Apply one batch of pending changes; returns how many rows it took."""
        async with self._db.transaction() as conn:
            if not await conn.fetchval(_Q.try_indexer_lock):
                return 0
            rows = await conn.fetch(_Q.pending_products, BATCH)
            if not rows:
                return 0
            product_ids = sorted({r["aggregate_id"] for r in rows})
            products = await conn.fetch(_DOCS.product_documents, product_ids)
            await self._apply(self.index_uid, products, product_ids)
            await conn.execute(_Q.delete_outbox_rows, [r["id"] for r in rows])
        return len(rows)

    async def pending(self) -> int:
        return int(await self._db.fetchval(_Q.pending_count))

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
