"""Writing one index folder: applying the log's changes, and filling a new
index from the tables. Exactly one IndexWriter per folder exists (Tantivy
locks the folder too); the caller holds writer.lock or owns a new folder.

A change is "refresh this product (or label) from PostgreSQL": the writer
reads the current row and replaces the document, so applying a change
twice, or late, is harmless. The state document (the log position) is
replaced in the same commit as the changes it covers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import tantivy

from vitrine_server.db.database import Database, translated
from vitrine_server.search import feed
from vitrine_server.search.documents import Q as _DOCS
from vitrine_server.search.engine.schema import (
    SCHEMA,
    STATE_KEY,
    State,
    label_document,
    label_key,
    product_document,
    read_data,
    read_state,
    state_document,
)

FETCH_CHUNK = 2000
FOLLOW_HEAP = 64_000_000
BUILD_HEAP = 200_000_000

Progress = Callable[[int, int], Awaitable[None]]


def index_state(searcher: tantivy.Searcher) -> State | None:
    """The state document of an index, or None (an index without one is
    incomplete: it was never committed by a writer of ours)."""
    hits = searcher.search(
        tantivy.Query.term_query(SCHEMA, "label_key", STATE_KEY), 1, count=False
    ).hits
    if not hits:
        return None
    return read_state(read_data(searcher.doc(hits[0][1])))


class IndexWriter:
    def __init__(
        self, index: tantivy.Index, folder: Path, db: Database, state: State, *, heap: int
    ):
        self.index = index
        self.folder = folder
        self.state = state
        self._db = db
        self._writer: tantivy.IndexWriter = index.writer(heap, 1 if heap <= FOLLOW_HEAP else 2)
        self._closed = False
        self._busy: asyncio.Future[Any] | None = None

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run Tantivy's writer work in a thread (it releases the GIL), one
        piece at a time. A cancelled caller stops waiting, but the piece runs
        to its end: close() waits for it (Tantivy refuses a second call on
        the writer while one is running)."""
        self._busy = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        return await asyncio.shield(self._busy)

    @property
    def position(self) -> feed.Position:
        return self.state.position

    # -- following the log -------------------------------------------------------

    async def apply(self, batch: feed.Batch) -> None:
        """Apply a batch of the log and commit it with its end position.
        An empty batch only moves the position (committed now and then, so
        the position stored in the index does not lag far behind)."""
        products = set(batch.ids(feed.PRODUCT))
        categories = batch.ids(feed.CATEGORY)
        stores = batch.ids(feed.STORE)
        labels: list[tuple[str, int, str | None]] = []
        if categories:
            below = await self._db.fetch(_DOCS.products_below_categories, categories)
            products.update(r["id"] for r in below)
            labels += await self._labels("category", _DOCS.category_labels, categories)
        if stores:
            labels += await self._labels("store", _DOCS.store_labels, stores)
        ids = sorted(products)
        rows: list[Any] = []
        for start in range(0, len(ids), FETCH_CHUNK):
            rows += await self._db.fetch(_DOCS.product_documents, ids[start : start + FETCH_CHUNK])
        state = State(batch.end, self.state.labels_version + (1 if labels else 0))
        await self._in_thread(self._write, ids, rows, labels, state)
        self.state = state

    async def _labels(
        self, kind: str, query: str, ids: list[int]
    ) -> list[tuple[str, int, str | None]]:
        names = {r["id"]: r["name"] for r in await self._db.fetch(query, ids)}
        return [(kind, i, names.get(i)) for i in ids]

    def _write(
        self,
        product_ids: Iterable[int],
        rows: list[Any],
        labels: list[tuple[str, int, str | None]],
        state: State,
    ) -> None:
        w = self._writer
        for product_id in product_ids:
            w.delete_documents_by_term("id", product_id)
        for row in rows:
            if row["live"]:
                w.add_document(product_document(row))
        for kind, id_, name in labels:
            w.delete_documents_by_term("label_key", label_key(kind, id_))
            if name is not None:
                w.add_document(label_document(kind, id_, name))
        w.delete_documents_by_term("label_key", STATE_KEY)
        w.add_document(state_document(state))
        w.commit()

    # -- a full build ------------------------------------------------------------

    async def fill(self, progress: Progress, reads: Database | None = None) -> int:
        """Add every live product and every label (the index is new and
        empty), read from `reads` (a replica, or the primary by default);
        commit with the writer's state. Returns the product count."""
        db = reads or self._db
        categories = await db.fetch(_DOCS.all_category_labels)
        stores = await db.fetch(_DOCS.all_store_labels)

        def add_labels() -> None:
            for r in categories:
                self._writer.add_document(label_document("category", r["id"], r["name"]))
            for r in stores:
                self._writer.add_document(label_document("store", r["id"], r["name"]))

        await self._in_thread(add_labels)
        total = int(await db.fetchval(_DOCS.count_live_products))
        await progress(0, total)
        # PostgreSQL reads the next rows while this process indexes the last
        # ones: a reader task fills a short queue, the writer's thread drains it.
        chunks: asyncio.Queue[list[Any] | BaseException] = asyncio.Queue(maxsize=2)
        reader = asyncio.create_task(self._read_products(db, chunks), name="search-build-read")
        done = 0
        try:
            while True:
                rows = await chunks.get()
                if isinstance(rows, BaseException):
                    raise rows
                if not rows:
                    break
                await self._in_thread(self._add_products, rows)
                done += len(rows)
                await progress(min(done, total), total)
            await reader
        finally:
            if not reader.done():
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
        await self._in_thread(self._commit_state)
        return done

    async def _read_products(
        self, db: Database, chunks: asyncio.Queue[list[Any] | BaseException]
    ) -> None:
        """Every live product's row, FETCH_CHUNK at a time, through one cursor;
        an empty chunk ends them, an error is handed over in their place."""
        try:
            async with db.transaction() as conn:
                with translated():
                    cursor = await conn.raw.cursor(_DOCS.all_product_documents)
                    while True:
                        rows = await cursor.fetch(FETCH_CHUNK, timeout=db.timeout())
                        await chunks.put(rows)
                        if not rows:
                            return
        except Exception as err:  # the building side raises it
            await chunks.put(err)

    def _add_products(self, rows: list[Any]) -> None:
        for row in rows:
            if row["live"]:
                self._writer.add_document(product_document(row))

    def _commit_state(self) -> None:
        self._writer.add_document(state_document(self.state))
        self._writer.commit()

    async def close(self) -> None:
        """Finish pending merges and release the folder's writer lock."""
        if self._closed:
            return
        self._closed = True
        if self._busy is not None:
            await asyncio.wait([self._busy])
        done = asyncio.ensure_future(asyncio.to_thread(self._writer.wait_merging_threads))
        await asyncio.shield(done)
