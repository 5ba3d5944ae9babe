"""The writing side of the embedded index: one process per index folder.

Every server process runs an IndexFollower; the one that holds writer.lock
(flock: the kernel releases it if the process dies, and another takes over
within a second) writes, the others only wait for the lock. The writer:

1. opens the current index; when it is missing, of another schema version
   or database, or unreadable, builds a new one from PostgreSQL (`build`)
   and publishes it;
2. follows the log from the position stored in the index (search/feed.py):
   reads the rows of the transactions committed since, refreshes the
   products and labels they name, commits them with the new position, and
   polls again (at once while batches come full, every POLL_S when idle);
3. rebuilds when its position fell below the pruned horizon (it was stopped
   longer than the log's retention), serving the old index meanwhile;
4. switches to a new folder when a rebuild (ReindexSearch, maybe in another
   process) published one, continuing from that index's own position.

`build` writes a new folder while the current one keeps serving: it notes
the snapshot to follow the log from, reads the tables whole, catches up
with the log, and only then publishes the folder (one symlink rename).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from vitrine_server.background import Background
from vitrine_server.db.database import Database
from vitrine_server.search import feed
from vitrine_server.search.engine.directory import FileLock, IndexDirectory, IndexUnusable
from vitrine_server.search.engine.reader import IndexReader
from vitrine_server.search.engine.schema import Analyzers, State
from vitrine_server.search.engine.writer import BUILD_HEAP, FOLLOW_HEAP, IndexWriter, index_state

log = logging.getLogger("vitrine.search.writer")

POLL_S = 0.05
LOCK_RETRY_S = 1.0
BATCH = 5000
HORIZON_CHECK_S = 30.0
REPORT_EVERY_S = 1.0
RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)
# An idle writer stores its moved position this often.
IDLE_COMMIT_S = 30.0
REBUILD_LOCK = "rebuild.lock"

Progress = Callable[[int, int], Awaitable[None]]
# Where a full build reads the catalog: a read replica when one is healthy
# (db/replicas.py), the primary otherwise. The log is always read from the
# primary.
BuildSource = Callable[[], Awaitable[Database]]


async def _no_progress(done: int, total: int) -> None:
    return None


class IndexFollower(Background):
    task_name = "search-index-writer"

    def __init__(
        self,
        directory: IndexDirectory,
        db: Database,
        analyzers: Analyzers,
        reader: IndexReader,
        consumer: str,
        source: BuildSource | None = None,
    ):
        self._directory = directory
        self._db = db
        self._source = source
        self._analyzers = analyzers
        self._reader = reader
        self._feed = feed.Log(db)
        self._consumer = consumer
        self._poke = asyncio.Event()
        self.writing = False
        self.position: feed.Position | None = None

    def poke(self) -> None:
        """Poll the log now (a caller waits for its writes)."""
        self._poke.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            lock = self._directory.try_lock("writer.lock")
            if lock is None:
                await asyncio.sleep(LOCK_RETRY_S)
                continue
            try:
                self.writing = True
                await self._lead(lock)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # PostgreSQL away, a broken folder: start over
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from err  # stopping: do not retry
                if failures == 0:
                    log.warning("search index writer failing, will retry: %s", err, exc_info=True)
                await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S) - 1)])
                failures += 1
            finally:
                self.writing = False
                lock.release()

    async def _lead(self, lock: FileLock) -> None:
        writer = await self._open_current()
        last_report = last_horizon_check = last_commit = 0.0
        loop = asyncio.get_running_loop()
        try:
            while True:
                if self._directory.current() != writer.folder:
                    # A rebuild published another folder: continue there.
                    await writer.close()
                    writer = await self._open_current()
                now = loop.time()
                if now - last_horizon_check > HORIZON_CHECK_S:
                    last_horizon_check = now
                    if await self._feed.behind_horizon(writer.position):
                        log.warning("search index fell behind the outbox retention: rebuilding")
                        await writer.close()
                        await build(
                            self._directory, self._db, self._analyzers, _no_progress, self._source
                        )
                        writer = await self._open_current()
                batch = await self._feed.read(writer.position, BATCH)
                if batch.changes or (
                    batch.end != writer.position and now - last_commit > IDLE_COMMIT_S
                ):
                    await writer.apply(batch)
                    last_commit = now
                    self._reader.poke()
                else:
                    # Nothing committed meanwhile: the stored position may lag
                    # (a restart reads the same empty stretch again).
                    writer.state = dataclasses.replace(writer.state, position=batch.end)
                self.position = writer.position
                if now - last_report > REPORT_EVERY_S:
                    last_report = now
                    await self._feed.report(self._consumer, writer.position)
                if len(batch.changes) < BATCH:
                    self._poke.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._poke.wait(), POLL_S)
        finally:
            await writer.close()

    async def _open_current(self) -> IndexWriter:
        """A writer on the current index, built first when there is none fit
        to use (or waited for, when another process is building one)."""
        while True:
            folder = self._directory.current()
            if folder is not None:
                try:
                    return await self._open(folder)
                except IndexUnusable as err:
                    log.warning("search index unusable, rebuilding: %s", err)
            lock = self._directory.try_lock(REBUILD_LOCK)
            if lock is None:
                await asyncio.sleep(0.2)
                continue
            try:
                if self._directory.current() == folder:
                    await _build(
                        self._directory, self._db, self._analyzers, _no_progress, self._source
                    )
            finally:
                lock.release()

    async def _open(self, folder: Path) -> IndexWriter:
        index = self._directory.open(folder, self._analyzers)
        index.reload()
        state = index_state(index.searcher())
        if state is None:
            raise IndexUnusable(f"{folder} has no state document")
        self._directory.remove_stale(keep={folder})
        return IndexWriter(index, folder, self._db, state, heap=FOLLOW_HEAP)


async def build(
    directory: IndexDirectory,
    db: Database,
    analyzers: Analyzers,
    progress: Progress,
    source: BuildSource | None = None,
) -> int:
    """Build a new index from PostgreSQL beside the current one, catch it up
    with the log, and publish it. One build at a time per folder; returns
    the number of products indexed."""
    lock = directory.try_lock(REBUILD_LOCK)
    while lock is None:
        await asyncio.sleep(0.2)
        lock = directory.try_lock(REBUILD_LOCK)
    try:
        return await _build(directory, db, analyzers, progress, source)
    finally:
        lock.release()


async def _build(
    directory: IndexDirectory,
    db: Database,
    analyzers: Analyzers,
    progress: Progress,
    source: BuildSource | None,
) -> int:
    """Read the catalog from `source` (a replica, when one is healthy), and
    from the primary when that fails: a replica can go away or cancel a long
    read that conflicts with its replay."""
    reads = await source() if source is not None else db
    if reads is not db:
        try:
            return await _build_from(directory, db, reads, analyzers, progress)
        except Exception as err:  # the replica's failure: the primary can still do it
            log.warning("search index build from a replica failed, using the primary: %s", err)
    return await _build_from(directory, db, db, analyzers, progress)


async def _build_from(
    directory: IndexDirectory,
    db: Database,
    reads: Database,
    analyzers: Analyzers,
    progress: Progress,
) -> int:
    folder = directory.new_folder()
    index = directory.create(folder, analyzers)
    # Every change the table reads below might miss belongs to a
    # transaction this snapshot does not see, so following the log from it
    # afterwards misses none (a change seen twice is harmless). The snapshot
    # and the reads come from the same server: a standby's snapshot names
    # the primary's transactions, and its later reads see at least what the
    # snapshot saw, since replay only moves forward. The log itself is read
    # from the primary.
    start = await feed.Log(reads).snapshot()
    writer = IndexWriter(index, folder, db, State(feed.Position(start)), heap=BUILD_HEAP)
    log_ = feed.Log(db)
    try:
        count = await writer.fill(progress, reads)
        while True:
            batch = await log_.read(writer.position, BATCH)
            await writer.apply(batch)
            if len(batch.changes) < BATCH:
                break
    finally:
        await writer.close()
    directory.write_meta(folder)
    directory.publish(folder)
    where = "a replica" if reads is not db else "the primary"
    log.info("search index %s built with %d products from %s", folder.name, count, where)
    return count
