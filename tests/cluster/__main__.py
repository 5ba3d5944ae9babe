"""`make run-cluster`: Vitrine beyond one machine, on this one.

A PostgreSQL primary with a streaming replica, a three-master Redis Cluster
(servers.py, each on a free loopback port, in temporary directories), the
demo catalog, and two instances (`vitrine run`, one worker each, ports
VITRINE_PORT and VITRINE_PORT + 1) over them. Prints how to reach them;
Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import asyncpg
from vitrine_server.db.migrate import Migrator
from vitrine_server.demo.seed import seed_demo

from tests.cluster.servers import OwnPrimary, OwnRedisCluster, OwnReplica, why_not_available


async def main() -> int:
    reason = why_not_available()
    if reason:
        print(f"run-cluster: {reason}", file=sys.stderr)
        return 1
    port = int(os.environ.get("VITRINE_PORT", "50051"))
    primary, cluster = OwnPrimary(), OwnRedisCluster()
    replica = OwnReplica(primary)
    instances: list[asyncio.subprocess.Process] = []
    try:
        print("run-cluster: PostgreSQL primary, migrations, demo catalog...", flush=True)
        await primary.init()
        conn = await asyncpg.connect(primary.dsn())
        await conn.execute("CREATE DATABASE vitrine")
        await conn.close()
        await Migrator(primary.dsn("vitrine")).up()
        conn = await asyncpg.connect(primary.dsn("vitrine"))
        try:
            await seed_demo(conn)
        finally:
            await conn.close()
        print("run-cluster: its streaming replica (pg_basebackup -R)...", flush=True)
        await replica.init()
        print("run-cluster: a Redis Cluster of 3 masters and 3 replicas...", flush=True)
        await cluster.start()
        environ = {
            **os.environ,
            "DATABASE_URL": primary.dsn("vitrine"),
            "VITRINE_REPLICA_URLS": replica.dsn("vitrine"),
            "REDIS_URL": cluster.url,
            "VITRINE_WORKERS": os.environ.get("VITRINE_WORKERS", "1"),
            "VITRINE_METRICS_PORT": "0",
        }
        for i in range(2):
            instances.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *("-m", "vitrine_server", "run", "--port", str(port + i)),
                    env=environ,
                )
            )
        print(
            "\nrun-cluster: serving\n"
            f"  instances        127.0.0.1:{port}, 127.0.0.1:{port + 1}\n"
            f"  client           vitrine_client.connect(['127.0.0.1:{port}', "
            f"'127.0.0.1:{port + 1}'], api_key=...)\n"
            f"  DATABASE_URL     {primary.dsn('vitrine')}\n"
            f"  VITRINE_REPLICA_URLS {replica.dsn('vitrine')}\n"
            f"  REDIS_URL        {cluster.url}\n"
            "Ctrl-C stops it all.",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waits = [asyncio.ensure_future(p.wait()) for p in instances]
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([stopping, *waits], return_when=asyncio.FIRST_COMPLETED)
        return 0
    finally:
        for proc in instances:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in instances:
            await proc.wait()
        cluster.destroy()
        await replica.destroy()
        await primary.destroy()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
