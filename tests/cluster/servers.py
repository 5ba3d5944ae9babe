"""Servers beyond one machine, on this one: a PostgreSQL primary with a
streaming replica, and a Redis Cluster, each process on its own loopback
port. Used by the cluster tests (tests/cluster/), by `make run-cluster` and
by the bench's two-instance run; never the shared servers.

The primary is initdb'd on a free port (tests/faults/instances.py); the
replica is `pg_basebackup -R` of it (a standby that streams the primary's
WAL and answers read-only queries). The Redis Cluster is Debian's
redis-server in cluster mode, `masters` masters with one replica each,
joined by `redis-cli --cluster create`; a killed master's replica takes
over after the node timeout (NODE_TIMEOUT_MS).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import asyncpg
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from tests.faults.instances import OwnPostgres, _run, why_not_available
from tests.support import free_port

__all__ = ["NODE_TIMEOUT_MS", "OwnPrimary", "OwnRedisCluster", "OwnReplica", "why_not_available"]

# How long a master may be silent before its replica is promoted.
NODE_TIMEOUT_MS = 1000


class OwnPrimary(OwnPostgres):
    """A primary that accepts replication connections (initdb's defaults:
    wal_level=replica, trust for replication from 127.0.0.1)."""


class OwnReplica(OwnPostgres):
    """A hot standby of `primary`, streaming its WAL."""

    def __init__(self, primary: OwnPostgres):
        super().__init__()
        self.primary = primary

    async def init(self) -> None:
        await _run(
            f"{self.bindir}/pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
            *("-D", self.data, "-R", "-X", "stream", "-c", "fast"),
            as_postgres=True,
        )
        await self.start()

    async def pause_replay(self) -> None:
        """Stop applying WAL (it still arrives): the replica falls behind."""
        await self._execute("SELECT pg_wal_replay_pause()")

    async def resume_replay(self) -> None:
        await self._execute("SELECT pg_wal_replay_resume()")

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.dsn(), timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def caught_up(self, within: float = 10.0) -> None:
        """Wait until the replica replayed everything the primary wrote so far."""
        primary = await asyncpg.connect(self.primary.dsn(), timeout=5)
        replica = await asyncpg.connect(self.dsn(), timeout=5)
        try:
            target = await primary.fetchval("SELECT pg_current_wal_lsn()")
            loop = asyncio.get_running_loop()
            until = loop.time() + within
            while True:
                replayed = await replica.fetchval(
                    "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target
                )
                if replayed:
                    return
                if loop.time() > until:
                    raise TimeoutError("the replica did not catch up")
                await asyncio.sleep(0.02)
        finally:
            await primary.close()
            await replica.close()


def _cluster_port() -> int:
    """A free port whose cluster bus port (the port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


class OwnRedisCluster:
    """`masters` masters and as many replicas, on free loopback ports."""

    def __init__(self, masters: int = 3, replicas: int = 1):
        self.root = tempfile.mkdtemp(prefix="vitrine-redis-cluster-")
        self.ports: list[int] = []
        while len(self.ports) < masters * (1 + replicas):
            port = _cluster_port()
            if port not in self.ports:
                self.ports.append(port)
        self.masters = masters
        self.replicas = replicas
        # Plain Popen: the nodes outlive the event loop that started them
        # (pytest_configure starts them for a whole run).
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        """REDIS_URL for Vitrine: every node as a seed."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports) + "/0"

    async def start(self) -> None:
        for port in self.ports:
            await self._start_node(port)
        await asyncio.wait_for(
            _run(
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in self.ports),
                *("--cluster-replicas", str(self.replicas), "--cluster-yes"),
            ),
            timeout=60,
        )
        await self.wait_ok()

    async def _start_node(self, port: int) -> None:
        self.procs[port] = self._spawn(port)
        client = aioredis.Redis(host="127.0.0.1", port=port)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.025)
            raise RuntimeError(f"redis-server on {port} did not answer")
        finally:
            await client.aclose()

    def _spawn(self, port: int) -> subprocess.Popen[bytes]:
        workdir = os.path.join(self.root, str(port))
        os.makedirs(workdir, exist_ok=True)
        return subprocess.Popen(
            [
                "redis-server",
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", workdir),
                *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
                *("--cluster-node-timeout", str(NODE_TIMEOUT_MS)),
                *("--save", "", "--appendonly", "no", "--protected-mode", "no"),
                # A replica takes over however long its master was silent.
                *("--cluster-replica-validity-factor", "0"),
                *("--logfile", os.path.join(workdir, "log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def wait_ok(self, within: float = 30.0) -> None:
        """Until every running node says the cluster is ok and agrees on
        `masters` masters covering every slot."""
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        while True:
            if await self._all_ok():
                return
            if loop.time() > until:
                raise TimeoutError("the Redis Cluster did not become ok")
            await asyncio.sleep(0.1)

    async def _all_ok(self) -> bool:
        for port, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            client = aioredis.Redis(host="127.0.0.1", port=port)
            try:
                info = await client.execute_command("CLUSTER", "INFO")
                text = info.decode() if isinstance(info, bytes) else str(info)
                if "cluster_state:ok" not in text:
                    return False
                nodes = await client.execute_command("CLUSTER", "NODES")
                text = nodes.decode() if isinstance(nodes, bytes) else str(nodes)
                serving = 0
                for line in text.strip().splitlines():
                    fields = line.split()
                    flags = fields[2].split(",")
                    if "master" in flags and len(fields) > 8 and fields[7] == "connected":
                        serving += not ({"fail", "fail?"} & set(flags))
                if serving != self.masters:
                    return False
            except Exception:
                return False
            finally:
                await client.aclose()
        return True

    async def master_of(self, key: str) -> int:
        """The port of the master that holds `key`'s slot now."""
        seeds = [ClusterNode("127.0.0.1", p) for p, pr in self.procs.items() if pr.poll() is None]
        client = RedisCluster(startup_nodes=seeds)
        try:
            await client.initialize()
            return int(client.get_node_from_key(key).port)
        finally:
            await client.aclose()

    def kill(self, port: int) -> None:
        proc = self.procs[port]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    async def restart(self, port: int) -> None:
        """A killed node back (it rejoins as a replica of its replacement)."""
        await self._start_node(port)

    def destroy(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
