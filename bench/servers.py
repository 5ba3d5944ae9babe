"""Start and stop the servers under test as subprocesses, and wait until ready.

Ready means: the process is alive, grpc.health.v1 says SERVING, and as many
sockets listen on the port as there are workers. The last check matters with
SO_REUSEPORT: the kernel spreads connections only over the sockets that exist
when h2load connects, so a late worker would sit idle for the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vitrine_client.auth import aio_interceptors

from bench.options import API_KEY, RATE_LIMIT_PER_MINUTE

REPO_ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    """The server did not start, did not become ready, or died."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening_sockets(port: int) -> int:
    """How many TCP sockets (v4 and v6) are in LISTEN on `port`."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            # cols[1] is "ADDR:PORT" in hex, cols[3] the state; 0A is LISTEN.
            if len(cols) > 3 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def live_group_members(pgid: int) -> list[int]:
    """Pids of the live (not zombie) processes of process group `pgid`.

    Not killpg(pgid, 0): it also succeeds for zombies, which nobody reaps
    when PID 1 of a container does not.
    """
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the ")" closing the command name: state ppid pgrp ...
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            pids.append(int(stat.parent.name))
    return pids


async def health_status(target: str, service: str = "", timeout_s: float = 1.0) -> str:
    """The health status name of `service`, or the RPC error code name."""
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            resp = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout_s
            )
        except grpc.aio.AioRpcError as e:
            return e.code().name
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)


class ServerProcess:
    """One server subprocess (its own session, output in a log file)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        workers: int,
        log_file: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.argv = list(argv)
        self.port = port
        self.workers = workers
        self.log_file = log_file
        self.env = dict(env) if env is not None else dict(os.environ)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            # A new session so that a last-resort kill reaches its workers too,
            # and a Ctrl-C in the terminal reaches only the bench.
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _fail(self, what: str) -> ServerFailed:
        return ServerFailed(
            f"{self.name}: {what}\n  command: {' '.join(self.argv)}\n"
            f"  log ({self.log_file}):\n{self.log_tail()}"
        )

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        assert self.proc is not None, "start() first"
        deadline = time.monotonic() + timeout_s
        status = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self._fail(f"exited with code {self.proc.returncode} before ready")
            status = await health_status(self.target)
            listeners = listening_sockets(self.port)
            if status == "SERVING" and listeners >= self.workers:
                return
            await asyncio.sleep(0.2)
        raise self._fail(
            f"not ready after {timeout_s:.0f}s (health: {status}, "
            f"listening sockets: {listening_sockets(self.port)}/{self.workers})"
        )

    async def check_alive(self) -> None:
        """Raise unless the process still runs and reports SERVING."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise self._fail(f"died (exit code {self.proc.returncode})")
        status = await health_status(self.target, timeout_s=3.0)
        if status != "SERVING":
            raise self._fail(f"unhealthy after load (health: {status})")

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM (graceful: the server drains), wait; SIGKILL the group if stuck."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                print(
                    f"{self.name}: no exit {timeout_s:.0f}s after SIGTERM, killing", file=sys.stderr
                )
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # Workers left behind would keep a SO_REUSEPORT socket and steal load
        # from the next server. Helpers (multiprocessing's resource tracker)
        # may take a moment to notice their parent is gone: give them that.
        deadline = time.monotonic() + 3.0
        while (left := live_group_members(self.proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            print(f"{self.name}: processes {left} outlived it, killing them", file=sys.stderr)
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return self.proc.returncode

    async def __aenter__(self) -> ServerProcess:
        self.start()
        try:
            await self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        code = await asyncio.to_thread(self.stop)
        if code not in (0, None, -signal.SIGTERM) and exc is None:
            print(
                f"{self.name}: exited with code {code} after SIGTERM (see {self.log_file})",
                file=sys.stderr,
            )


def echo_server(
    port: int, workers: int, log_file: Path, response_bytes: int = 0, replay: Path | None = None
) -> ServerProcess:
    argv = [
        sys.executable,
        "-m",
        "bench.echo_server",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--response-bytes",
        str(response_bytes),
    ]
    if replay is not None:
        argv += ["--replay", str(replay)]
    return ServerProcess("echo server", argv, port, workers, log_file)


def vitrine_server(
    port: int, workers: int, log_file: Path, env: Mapping[str, str], name: str = "vitrine"
) -> ServerProcess:
    argv = [
        sys.executable,
        "-m",
        "vitrine_server",
        "run",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--migrate",
    ]
    return ServerProcess(name, argv, port, workers, log_file, env=env)


def vitrine_env(
    database_url: str, redis_url: str, redis_prefix: str, *, cache: bool = True
) -> dict[str, str]:
    """The environment a bench's Vitrine server runs with.

    Metrics are on, as in production, each server on its own free port (two
    run at once); `VITRINE_METRICS_PORT=off` in the bench's environment turns
    them off, to measure what they cost.
    """
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, VITRINE_REDIS_PREFIX=redis_prefix)
    if env.get("VITRINE_METRICS_PORT", "").strip().lower() != "off":
        env.update(VITRINE_METRICS_PORT=str(free_port()), VITRINE_METRICS_HOST="127.0.0.1")
    env.update(
        VITRINE_BOOTSTRAP_ADMIN_KEY=API_KEY,
        VITRINE_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT_PER_MINUTE),
        VITRINE_RATE_LIMIT_BURST=str(RATE_LIMIT_PER_MINUTE),
        # No balancer in front to move away: stop without a drain period.
        VITRINE_SHUTDOWN_DRAIN="0",
    )
    if cache:
        env.pop("VITRINE_CACHE", None)
    else:
        env["VITRINE_CACHE"] = "off"
    return env


def channel(target: str, options: list[tuple[str, Any]] | None = None) -> grpc.aio.Channel:
    """A client channel to a bench server that sends the bench's API key."""
    return grpc.aio.insecure_channel(
        target, options=options, interceptors=aio_interceptors(API_KEY)
    )


def warn_if_busy() -> float:
    """The 1-minute load average, with a warning when it is high."""
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(
            f"warning: the machine is busy (load average {load:.1f}): expect noisy numbers",
            flush=True,
        )
    return load
