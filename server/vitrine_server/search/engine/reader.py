"""The serving side of the embedded index, one per process.

Every POLL_S it looks at the index folder: when `current` points elsewhere
(a rebuild was published) it opens the new index; when the index's
meta.json changed (the writer committed) it reloads. Either way it reads
the state document, so it knows the log position its searcher reflects.

It is ready once it has opened an index of this schema version and this
database and the engine found that index caught up with the log as it
stood when this process started (so a restarted server never answers from
an index hours behind). Until then searches get UNAVAILABLE; once ready, it
stays ready, and keeps serving what it has if a newer index cannot be
opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy

from vitrine_server.background import Background
from vitrine_server.search.engine.directory import IndexDirectory, IndexUnusable
from vitrine_server.search.engine.schema import SCHEMA, Analyzers, State, label_key, read_data
from vitrine_server.search.engine.writer import index_state
from vitrine_server.search.feed import Position

log = logging.getLogger("vitrine.search.reader")

POLL_S = 0.05
# Answers remembered per searcher (View.memo) at most.
MAX_MEMO = 4096


@dataclass
class View:
    """One searcher and what goes with it: immutable once made, so a search
    that took it is unaffected by reloads meanwhile."""

    searcher: tantivy.Searcher
    state: State
    labels: dict[str, str] = field(default_factory=dict)
    # Answers computed from this searcher (facet counts, completions): right
    # for as long as it is served, and dropped with it at the next commit.
    memo: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def position(self) -> Position:
        return self.state.position

    def remember(self, key: Hashable, value: Any) -> None:
        if len(self.memo) >= MAX_MEMO:
            self.memo.clear()
        self.memo[key] = value

    def label(self, kind: str, id_: int) -> str | None:
        key = label_key(kind, id_)
        if key not in self.labels:
            hits = self.searcher.search(
                tantivy.Query.term_query(SCHEMA, "label_key", key), 1, count=False
            ).hits
            name = read_data(self.searcher.doc(hits[0][1])).get("name") if hits else None
            self.labels[key] = name or ""
        return self.labels[key] or None


class IndexReader(Background):
    task_name = "search-reader"

    def __init__(self, directory: IndexDirectory, analyzers: Analyzers):
        self._directory = directory
        self._analyzers = analyzers
        self._index: tantivy.Index | None = None
        self._folder: Path | None = None
        self._meta_stamp: bytes | None = None
        self._view: View | None = None
        self.ready = False
        self.problem = "the search index is not open yet"
        self._changed = asyncio.Event()
        self._poke = asyncio.Event()

    @property
    def view(self) -> View | None:
        """What searches read: the latest view, once ready."""
        return self._view if self.ready else None

    @property
    def latest(self) -> View | None:
        """The latest view, ready or not."""
        return self._view

    @property
    def position(self) -> Position | None:
        return self._view.position if self._view else None

    @property
    def folder(self) -> Path | None:
        return self._folder

    def poke(self) -> None:
        """Look at the folder now rather than at the next poll."""
        self._poke.set()

    async def changed(self, within: float) -> None:
        """Look at the folder now, and return when the view changed (or
        after `within` seconds)."""
        self._changed.clear()
        self.poke()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), within)

    def mark_ready(self) -> None:
        if not self.ready:
            self.ready = True
            self.problem = ""
            log.info("search index ready at %s", self._folder.name if self._folder else "?")

    async def _run(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception as err:  # a broken folder: keep serving what we have
                self.problem = f"cannot read the search index: {err}"
                log.warning("%s", self.problem)
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), POLL_S)

    def refresh(self) -> None:
        folder = self._directory.current()
        if folder is None:
            if not self.ready:
                self.problem = "the search index is being built"
            return
        if folder != self._folder:
            try:
                index = self._directory.open(folder, self._analyzers)
            except IndexUnusable as err:
                if not self.ready:
                    self.problem = f"the search index is being rebuilt ({err})"
                return
            self._index, self._folder, self._meta_stamp = index, folder, None
        assert self._index is not None
        stamp = _commit_stamp(folder / "meta.json")
        if stamp == self._meta_stamp and self._view is not None:
            return
        self._index.reload()
        searcher = self._index.searcher()
        state = index_state(searcher)
        if state is None:
            return  # not committed by a writer yet
        previous = self._view
        labels = (
            previous.labels
            if previous is not None and previous.state.labels_version == state.labels_version
            else {}
        )
        self._view = View(searcher, state, labels)
        self._meta_stamp = stamp
        self._changed.set()


def _commit_stamp(path: Path) -> bytes | None:
    """Which commit the index is at: meta.json's content (a few KB) changes
    with every commit, where its mtime may not (timestamps are coarser than
    commits can be)."""
    try:
        return path.read_bytes()
    except OSError:
        return None
