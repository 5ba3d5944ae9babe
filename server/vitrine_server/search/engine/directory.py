"""Where indexes live on disk, and how one is swapped for another.

VITRINE_SEARCH_DIR holds one folder per database and schema version
(`db-<cluster>-<oid>/v<version>`: a clone, a restore or another database
never reads an index it did not feed, and servers of two versions, as
during a rolling upgrade, each keep their own index and writer), and in it:

    writer.lock          held (flock) by the one process that writes the index
    rebuild.lock         held by the one process building a new index
    current -> index-…   the index every process serves (a symlink)
    index-<stamp>/       Tantivy's files, plus vitrine-index.json (schema
                         version and database identity)

A new index is built in a new folder and published by replacing the
`current` symlink in one rename, so a reader sees the old index or the new
one, never a mix, and never nothing. Old folders are removed once no
reader can still be opening them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import tantivy

from vitrine_server.search.engine.schema import SCHEMA, SCHEMA_VERSION, Analyzers

META = "vitrine-index.json"
CURRENT = "current"
PREFIX = "index-"
# An index folder no longer current is removed after this long: every
# process polls `current` many times a second, so all have moved on.
STALE_AFTER_S = 60.0


class IndexUnusable(Exception):
    """The index cannot be served: missing, of another version or database,
    or unreadable. The message says which."""


@dataclass
class FileLock:
    """An exclusive flock on a file, held until released or the process dies
    (the kernel drops it then, so a crashed writer never blocks the next)."""

    handle: IO[bytes]

    def release(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class IndexDirectory:
    def __init__(self, base: str | Path, identity: str):
        self.identity = identity
        safe = "".join(c if c.isalnum() or c == "-" else "_" for c in identity)
        self.root = Path(base).expanduser().absolute() / f"db-{safe}" / f"v{SCHEMA_VERSION}"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def try_lock(self, name: str) -> FileLock | None:
        self.ensure()
        # Held open for as long as the lock is: FileLock.release() closes it.
        handle = open(self.root / name, "ab")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return FileLock(handle)

    def current(self) -> Path | None:
        """The folder `current` points at, or None."""
        link = self.root / CURRENT
        try:
            target = os.readlink(link)
        except OSError:
            return None
        return (self.root / target).absolute()

    def new_folder(self) -> Path:
        self.ensure()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.root / f"{PREFIX}{stamp}-{secrets.token_hex(3)}"
        path.mkdir()
        return path

    def publish(self, folder: Path) -> None:
        """Make `folder` the current index, in one rename."""
        temporary = self.root / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(folder.name, temporary)
        os.replace(temporary, self.root / CURRENT)
        _fsync_dir(self.root)

    def remove_stale(self, keep: set[Path]) -> None:
        """Remove index folders that are neither current, nor kept, nor young."""
        if not self.root.exists():
            return
        building = self.try_lock("rebuild.lock")
        if building is None:
            return  # a build is under way: its young folder is not stale
        building.release()
        current = self.current()
        now = time.time()
        for path in self.root.iterdir():
            if not path.name.startswith(PREFIX) or not path.is_dir():
                continue
            path = path.absolute()
            if path == current or path in keep:
                continue
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_AFTER_S:
                    shutil.rmtree(path, ignore_errors=True)

    def write_meta(self, folder: Path) -> None:
        body = {"schema_version": SCHEMA_VERSION, "database": self.identity}
        (folder / META).write_text(json.dumps(body))

    def open(self, folder: Path, analyzers: Analyzers) -> tantivy.Index:
        """Open an index folder for reading or writing, after checking it is
        of this schema version and this database. Raises IndexUnusable."""
        try:
            meta = json.loads((folder / META).read_text())
        except (OSError, ValueError) as err:
            raise IndexUnusable(f"no readable {META} in {folder}: {err}") from None
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexUnusable(
                f"{folder} has schema version {meta.get('schema_version')}, "
                f"this server reads {SCHEMA_VERSION}"
            )
        if meta.get("database") != self.identity:
            raise IndexUnusable(f"{folder} was built from another database")
        try:
            index = tantivy.Index.open(str(folder))
        except ValueError as err:
            raise IndexUnusable(f"{folder} is unreadable: {err}") from None
        analyzers.register(index)
        return index

    def create(self, folder: Path, analyzers: Analyzers) -> tantivy.Index:
        index = tantivy.Index(SCHEMA, path=str(folder), reuse=False)
        analyzers.register(index)
        return index


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
