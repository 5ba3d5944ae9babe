"""A PostgreSQL and a Redis of the fault suite's own, on free ports, to kill,
hang (SIGSTOP), flush and restart: never the shared servers other tests and
people use.

PostgreSQL comes from the machine's binaries (/usr/lib/postgresql/*/bin);
initdb and postgres refuse to run as root, so as root they run as the
`postgres` user. Redis runs without persistence unless a test takes a
snapshot (`save`), which the next start then loads, as a Redis restarted
from an older RDB file would."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import tempfile
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

from tests.support import free_port


def why_not_available() -> str | None:
    """Why this machine cannot run the suite's own servers, or None."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "initdb is not installed (apt-get install postgresql)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user for initdb to run as"
    return None


def _children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(proc.name))
    return found


async def _run(*argv: str, as_postgres: bool = False) -> None:
    if as_postgres and os.geteuid() == 0:
        argv = ("runuser", "-u", "postgres", "--", *argv)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {out.decode(errors='replace')[-2000:]}")


class OwnPostgres:
    def __init__(self) -> None:
        self.bindir = os.path.dirname(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1])
        self.root = tempfile.mkdtemp(prefix="vitrine-faults-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.paused: list[int] = []

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def init(self) -> None:
        await _run(
            f"{self.bindir}/initdb",
            *("-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"),
            as_postgres=True,
        )
        await self.start()

    async def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c fsync=off -c max_connections=200"
        )
        log = os.path.join(self.root, "log")
        await _run(
            f"{self.bindir}/pg_ctl",
            *("start", "-D", self.data, "-o", options, "-l", log, "-w"),
            as_postgres=True,
        )

    @property
    def has_pidfile(self) -> bool:
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))

    @property
    def pid(self) -> int:
        return int(Path(self.data, "postmaster.pid").read_text().split()[0])

    async def crash(self) -> None:
        """Every process of the server ends at once (immediate shutdown: no
        checkpoint, crash recovery at the next start)."""
        await self.resume()
        await _run(
            f"{self.bindir}/pg_ctl",
            *("stop", "-D", self.data, "-m", "immediate", "-w"),
            as_postgres=True,
        )

    def pause(self) -> None:
        """Hang it: SIGSTOP the postmaster (no new connections) and every backend."""
        postmaster = self.pid
        os.kill(postmaster, signal.SIGSTOP)
        self.paused = [postmaster]
        for child in _children(postmaster):
            os.kill(child, signal.SIGSTOP)
            self.paused.append(child)

    async def resume(self) -> None:
        for pid in reversed(self.paused):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused = []

    async def running(self) -> bool:
        try:
            conn = await asyncpg.connect(self.dsn(), timeout=2)
        except Exception:
            return False
        await conn.close()
        return True

    async def destroy(self) -> None:
        await self.resume()
        if self.has_pidfile:
            await _run(
                f"{self.bindir}/pg_ctl",
                *("stop", "-D", self.data, "-m", "immediate", "-w"),
                as_postgres=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="vitrine-faults-redis-")
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Start (again) on the same port; it loads the last `save`, if any."""
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.root),
            *("--save", "", "--appendonly", "no", "--protected-mode", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = aioredis.Redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.05)
            raise RuntimeError("redis-server did not answer")
        finally:
            await client.aclose()

    async def kill(self, *, keep_snapshot: bool = False) -> None:
        """SIGKILL: everything since the last `save` is gone (all of it without one)."""
        await self.resume()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if not keep_snapshot:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.root, "dump.rdb"))

    async def save(self) -> None:
        """A snapshot the next start loads (a restart from an older RDB file)."""
        client = aioredis.Redis.from_url(self.url)
        try:
            await client.save()
        finally:
            await client.aclose()

    async def flush(self) -> None:
        client = aioredis.Redis.from_url(self.url)
        try:
            await client.flushall()
        finally:
            await client.aclose()

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    async def resume(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    async def destroy(self) -> None:
        await self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
