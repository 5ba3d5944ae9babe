"""One pipelined Redis connection for the cache's hot reads.

redis-py spends about 150 µs of Python per command (pool checkout,
argument normalisation, response callbacks): measured here, one redis-py
GET per call halves a grpc.aio server's throughput. A cache hit is one
command, so this path speaks RESP itself with redis-py's own C parser,
hiredis: every command is written at once to a single connection and the
replies, which Redis sends in order, resolve a FIFO of futures. A command
then costs a write and a future, and concurrent reads share one connection
without waiting for each other.

Reads and fills of the cache, and rate-limit decisions, go this way;
everything else (writes, scripts off the read path) goes through redis-py.

On a Redis Cluster, ClusterPipeline keeps one such connection per master
and sends each command to the master of its first key's slot (every
command here touches keys of one hash tag, cache/keys.py).

Failure semantics: a reply error is raised as redis' ResponseError; a lost
connection or a command that outlives `timeout` fails every command in
flight with ConnectionError/TimeoutError (in a pipeline, one late reply
means the order can no longer be trusted) and the next command reconnects.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import ssl
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import hiredis
from redis.crc import key_slot
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from vitrine_server.cache.redis import cluster_nodes
from vitrine_server.config import Settings
from vitrine_server.rpc import deadline
from vitrine_server.tracing.redis import command_span

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            fut = self.waiters.popleft()
            if fut.done():
                continue
            if isinstance(reply, hiredis.ReplyError):
                fut.set_exception(ResponseError(str(reply)))
            else:
                fut.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def fail(self, err: Exception) -> None:
        self.closed = True
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_exception(err)
        if self.transport is not None:
            self.transport.abort()

    def send_many(self, commands: list[tuple[Any, ...]]) -> list[asyncio.Future[Any]]:
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in commands]
        self.waiters.extend(futures)
        assert self.transport is not None
        self.transport.write(b"".join(hiredis.pack_command(args) for args in commands))
        return futures

    def send(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        assert self.transport is not None
        self.transport.write(hiredis.pack_command(args))
        return fut


class RedisPipeline:
    def __init__(
        self,
        url: str,
        timeout: float,
        tracer: Tracer | None = None,
        *,
        node: tuple[str, int] | None = None,
    ):
        parts = urlsplit(url)
        self.host, self.port = node or (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.ssl = parts.scheme == "rediss"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        path = parts.path.strip("/")
        self.db = int(path) if path.isdigit() else 0
        self.timeout = timeout
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Future[_Protocol] | None = None
        # Tracing on: a span per command (tracing/redis.py); off: not a branch more.
        if tracer is not None:
            self.call = functools.partial(self._traced_call, tracer)  # type: ignore[method-assign]

    async def _traced_call(self, tracer: Tracer, *args: Any) -> Any:
        with command_span(tracer, args):
            return await RedisPipeline.call(self, *args)

    async def call(self, *args: Any) -> Any:
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        fut = protocol.send(args)
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout, self._expire, protocol, fut)
        try:
            return await fut
        finally:
            timer.cancel()

    async def call_many(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Several commands in one write, under one timer: their replies, in
        order (the first reply error is raised, after all have arrived)."""
        if not commands:
            return []
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        futures = protocol.send_many(commands)
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout, self._expire, protocol, futures[-1])
        try:
            return list(await asyncio.gather(*futures))
        finally:
            timer.cancel()

    def _expire(self, protocol: _Protocol, fut: asyncio.Future[Any]) -> None:
        if not fut.done():
            protocol.fail(RedisTimeoutError(f"Redis did not answer within {self.timeout}s"))

    async def _connect(self) -> _Protocol:
        # One connect at a time; concurrent callers wait for the same one.
        if self._connecting is None:
            self._connecting = deadline.detached(self._open(), name="redis-pipeline-connect")
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done():
                self._connecting = None

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    _Protocol,
                    self.host,
                    self.port,
                    ssl=ssl.create_default_context() if self.ssl else None,
                ),
                self.timeout,
            )
        except (OSError, TimeoutError) as err:
            raise RedisConnectionError(
                f"cannot connect to Redis at {self.host}:{self.port}"
            ) from err
        try:
            if self.password:
                auth = (self.username, self.password) if self.username else (self.password,)
                await self._checked(protocol, ("AUTH", *auth))
            if self.db:
                await self._checked(protocol, ("SELECT", self.db))
        except BaseException:
            protocol.fail(RedisConnectionError("Redis handshake failed"))
            raise
        self._protocol = protocol
        return protocol

    async def _checked(self, protocol: _Protocol, args: tuple[Any, ...]) -> Any:
        return await asyncio.wait_for(protocol.send(args), self.timeout)

    def close(self) -> None:
        if self._protocol is not None:
            self._protocol.fail(RedisConnectionError("closed"))
            self._protocol = None


# Where each command's first key is, by command name (EVALSHA sha numkeys key...).
_FIRST_KEY = {"EVALSHA": 3, "EVAL": 3, "GET": 1, "MGET": 1}


class ClusterPipeline:
    """RedisPipeline's `call` on a Redis Cluster: one pipelined connection per
    master, each command sent to the master of its first key's slot.

    The slot map comes from CLUSTER SLOTS (any node that answers). A MOVED
    or ASK reply, or a lost connection, means the layout changed (a
    failover, a resharding): the map is read again before the next command,
    and this one fails like a lost connection, so the cache bypasses Redis
    until it is reconciled (cache/aside.py). SCRIPT LOAD goes to every master.
    """

    def __init__(
        self,
        url: str,
        timeout: float,
        seeds: list[tuple[str, int]],
        tracer: Tracer | None = None,
    ):
        self.url = url
        self.timeout = timeout
        self.seeds = list(seeds)
        self.tracer = tracer
        self._slots: list[tuple[int, int, tuple[str, int]]] = []
        self._nodes: dict[tuple[str, int], RedisPipeline] = {}
        self._stale = True
        self._refreshing: asyncio.Future[None] | None = None

    async def call(self, *args: Any) -> Any:
        if self._stale:
            await self._refresh()
        command = str(args[0]).upper()
        if command == "SCRIPT":
            replies = [await pipe.call(*args) for pipe in list(self._nodes.values())]
            return replies[0] if replies else None
        key = args[_FIRST_KEY[command]]
        pipe = self._node_for(key_slot(key.encode() if isinstance(key, str) else key))
        with self._layout_errors():
            return await pipe.call(*args)

    @contextlib.contextmanager
    def _layout_errors(self) -> Iterator[None]:
        """A reply that says the slots moved, or a lost connection: the layout
        is read again before the next call, and the caller sees a connection
        error (the cache then reads PostgreSQL)."""
        try:
            yield
        except ResponseError as err:
            if str(err).startswith(("MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN")):
                self._stale = True
                raise RedisConnectionError(f"the cluster layout changed: {err}") from err
            raise
        except (RedisConnectionError, RedisTimeoutError):
            self._stale = True
            raise

    async def call_many(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """RedisPipeline.call_many over the cluster: the commands grouped by
        the master of their first key, one write per master, all at once."""
        if not commands:
            return []
        if self._stale:
            await self._refresh()
        by_node: dict[int, tuple[RedisPipeline, list[int]]] = {}
        for i, args in enumerate(commands):
            key = args[_FIRST_KEY[str(args[0]).upper()]]
            pipe = self._node_for(key_slot(key.encode() if isinstance(key, str) else key))
            by_node.setdefault(id(pipe), (pipe, []))[1].append(i)
        replies: list[Any] = [None] * len(commands)
        with self._layout_errors():
            answers = await asyncio.gather(
                *(pipe.call_many([commands[i] for i in at]) for pipe, at in by_node.values())
            )
        for (_, at), answer in zip(by_node.values(), answers, strict=True):
            for i, reply in zip(at, answer, strict=True):
                replies[i] = reply
        return replies

    def _node_for(self, slot: int) -> RedisPipeline:
        for first, last, node in self._slots:
            if first <= slot <= last:
                return self._nodes[node]
        self._stale = True
        raise RedisConnectionError(f"no master serves slot {slot}")

    async def _refresh(self) -> None:
        if self._refreshing is None:
            self._refreshing = deadline.detached(self._read_slots(), name="redis-cluster-slots")
        refreshing = self._refreshing
        try:
            await asyncio.shield(refreshing)
        finally:
            if refreshing.done():
                self._refreshing = None

    async def _read_slots(self) -> None:
        known = [*(n for n in self._nodes), *self.seeds]
        for host, port in dict.fromkeys(known):
            probe = RedisPipeline(self.url, self.timeout, node=(host, port))
            try:
                reply = await probe.call("CLUSTER", "SLOTS")
            except (RedisConnectionError, RedisTimeoutError, ResponseError):
                continue
            finally:
                probe.close()
            slots = []
            for row in reply:
                master = (row[2][0].decode() or host, int(row[2][1]))
                slots.append((int(row[0]), int(row[1]), master))
            masters = {node for _, _, node in slots}
            for node in set(self._nodes) - masters:
                self._nodes.pop(node).close()
            for node in masters - set(self._nodes):
                self._nodes[node] = RedisPipeline(self.url, self.timeout, self.tracer, node=node)
            self._slots = sorted(slots)
            self._stale = False
            return
        raise RedisConnectionError("no node of the Redis Cluster answered CLUSTER SLOTS")

    def close(self) -> None:
        for pipe in self._nodes.values():
            pipe.close()
        self._nodes.clear()


Pipe = RedisPipeline | ClusterPipeline


def open_pipeline(settings: Settings, tracer: Tracer | None = None) -> Pipe:
    """The hot-path connection(s) to settings.redis_url: a cluster's or one server's."""
    if settings.redis_cluster:
        return ClusterPipeline(
            settings.redis_url, settings.redis_timeout, cluster_nodes(settings.redis_url), tracer
        )
    return RedisPipeline(settings.redis_url, settings.redis_timeout, tracer)
