"""A TCP proxy the tests can cut and restore, to take PostgreSQL or Redis
"away" from the service (and bring it back) without touching the real server
other tests use: cutting closes every open connection and refuses new ones."""

from __future__ import annotations

import asyncio
import contextlib

# The first 8 bytes of a PostgreSQL CancelRequest: its length and code.
PG_CANCEL_REQUEST = (16).to_bytes(4, "big") + (80877102).to_bytes(4, "big")


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        # PostgreSQL only: drop cancel requests (a server that never gets them).
        self.drop_pg_cancels = False
        self.dropped_cancels = 0
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port or self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start(self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = b""
        if self.drop_pg_cancels:
            with contextlib.suppress(asyncio.IncompleteReadError, OSError):
                first = await reader.readexactly(8)
            if first == PG_CANCEL_REQUEST:
                self.dropped_cancels += 1
                writer.transport.abort()
                return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        if first:
            up_writer.write(first)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}
