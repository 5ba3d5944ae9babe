"""One pipelined Redis connection for the cache's hot reads.

redis-py spends about 150 µs of Python per command (pool checkout,
argument normalisation, response callbacks): measured here, one redis-py
GET per call halves a grpc.aio server's throughput. A cache hit is one
command, so this path speaks RESP itself with redis-py's own C parser,
hiredis: every command is written at once to a single connection and the
replies, which Redis sends in order, resolve a FIFO of futures. A command
then costs a write and a future, and concurrent reads share one connection
without waiting for each other.

Everything else (writes, fills, scripts that are not on the read path)
goes through redis-py.

Failure semantics: a reply error is raised as redis' ResponseError; a lost
connection or a command that outlives `timeout` fails every command in
flight with ConnectionError/TimeoutError (in a pipeline, one late reply
means the order can no longer be trusted) and the next command reconnects.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import hiredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

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

    def send(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        assert self.transport is not None
        self.transport.write(hiredis.pack_command(args))
        return fut


class RedisPipeline:
    def __init__(self, url: str, timeout: float, tracer: Tracer | None = None):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
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
