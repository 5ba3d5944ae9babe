"""The migrations runner: numbered plain-SQL files, up and down.

`vitrine_server/migrations/NNNN_description.up.sql` and `.down.sql`, package
data read through importlib.resources (so a wheel migrates like a checkout);
each file runs in its
own transaction. `schema_migrations` keeps one row per applied version with
the SHA-256 of its up file: an applied migration whose file was edited since
is refused, never re-run. Runs are serialised by a session advisory lock held
on one dedicated connection, so many instances may start (and migrate) at once.

Versions only go forward: a migration numbered below the highest applied
one, but not applied itself (a branch merged late, a file renumbered), is
refused instead of being run out of order against a schema it was not
written for; give it the next free number. Numbers may have gaps: 0012 does
not exist on purpose (the number was skipped, and a number is never reused
or shifted once later ones exist, since databases hold them).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

log = logging.getLogger("vitrine.migrate")

# Any constant, the same in every instance: "vitrine migrations".
ADVISORY_LOCK_ID = 0x76697472696E65

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$")

# Edits to applied migrations that changed comments only, never SQL: the
# checksums their earlier text had, which databases migrated before still
# hold and which stay accepted. Nothing else may change an applied file.
COMMENT_ONLY_EDITS: dict[int, frozenset[str]] = {
    # 0001's first comment named a document outside the repository.
    1: frozenset({"f5a2bba4b2d9401332bf819c34458e0ac49284191aa8758075fcd3600a85d2d6"}),
}

# Versions that do not exist on purpose (see above): nothing reads this but
# the tests, which tell a gap meant from a file lost.
SKIPPED_VERSIONS = frozenset({12})

DEFAULT_DIR: Traversable = resources.files("vitrine_server").joinpath("migrations")


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    up_sql: str
    down_sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.up_sql.encode()).hexdigest()

    def matches(self, checksum: str) -> bool:
        """Whether an applied checksum is this file's (or its text before a
        comment-only edit)."""
        return checksum == self.checksum or checksum in COMMENT_ONLY_EDITS.get(
            self.version, frozenset()
        )


@dataclass(frozen=True, slots=True)
class MigrationState:
    version: int
    name: str
    applied: bool
    checksum_ok: bool


def discover(directory: Traversable = DEFAULT_DIR) -> list[Migration]:
    """Every migration in `directory`, in version order; both halves required."""
    halves: dict[int, dict[str, str]] = {}
    names: dict[int, str] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        m = _FILE.match(path.name)
        if not m:
            continue
        version, name, direction = int(m[1]), m[2], m[3]
        if names.setdefault(version, name) != name:
            raise MigrationError(f"two migrations share version {version:04d}")
        halves.setdefault(version, {})[direction] = path.read_text(encoding="utf-8")
    migrations = []
    for version in sorted(halves):
        parts = halves[version]
        if set(parts) != {"up", "down"}:
            raise MigrationError(f"migration {version:04d} needs both an up and a down file")
        migrations.append(Migration(version, names[version], parts["up"], parts["down"]))
    return migrations


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)"""


class Migrator:
    def __init__(self, dsn: str, directory: Traversable = DEFAULT_DIR):
        self.dsn = dsn
        self.migrations = discover(directory)

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.dsn, timeout=5)
        await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_ID)
        await conn.execute(_CREATE_TABLE)
        return conn

    @staticmethod
    async def _applied(conn: asyncpg.Connection) -> dict[int, str]:
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        return {r["version"]: r["checksum"] for r in rows}

    def _check(self, applied: dict[int, str]) -> None:
        known = {m.version: m for m in self.migrations}
        for version, checksum in applied.items():
            m = known.get(version)
            if m is None:
                raise MigrationError(
                    f"the database has migration {version:04d}, which this code does not know"
                )
            if not m.matches(checksum):
                raise MigrationError(
                    f"migration {version:04d}_{m.name} was edited after it was applied; "
                    "write a new migration instead"
                )
        highest = max(applied, default=0)
        late = [m for m in self.migrations if m.version < highest and m.version not in applied]
        if late:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in late)
            raise MigrationError(
                f"migration {names} is older than {highest:04d}, already applied, but was "
                "never applied itself: migrations run in order only; renumber it after "
                f"{self.migrations[-1].version:04d}"
            )

    async def status(self) -> list[MigrationState]:
        conn = await asyncpg.connect(self.dsn, timeout=5)
        try:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            applied = await self._applied(conn) if exists else {}
        finally:
            await conn.close()
        return [
            MigrationState(
                m.version,
                m.name,
                m.version in applied,
                m.matches(applied.get(m.version, m.checksum)),
            )
            for m in self.migrations
        ]

    async def up(self, target: int | None = None) -> list[int]:
        """Apply every pending migration up to `target` (all if None)."""
        conn = await self._connect()
        done: list[int] = []
        try:
            applied = await self._applied(conn)
            self._check(applied)
            for m in self.migrations:
                if m.version in applied or (target is not None and m.version > target):
                    continue
                async with conn.transaction():
                    await conn.execute(m.up_sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)",
                        m.version,
                        m.name,
                        m.checksum,
                    )
                log.info("applied migration %04d_%s", m.version, m.name)
                done.append(m.version)
        finally:
            await conn.close()  # closing the session releases the advisory lock
        return done

    async def down(self, steps: int = 1) -> list[int]:
        """Revert the `steps` most recent migrations."""
        conn = await self._connect()
        done: list[int] = []
        try:
            applied = await self._applied(conn)
            self._check(applied)
            by_version = {m.version: m for m in self.migrations}
            for version in sorted(applied, reverse=True)[:steps]:
                m = by_version[version]
                async with conn.transaction():
                    await conn.execute(m.down_sql)
                    await conn.execute("DELETE FROM schema_migrations WHERE version = $1", version)
                log.info("reverted migration %04d_%s", m.version, m.name)
                done.append(version)
        finally:
            await conn.close()
        return done

    async def current_version(self) -> int:
        states = await self.status()
        return max((s.version for s in states if s.applied), default=0)
