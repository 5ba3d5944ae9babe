"""Read-your-writes over read replicas: the client side of consistency tokens.

When the server has PostgreSQL read replicas, every call that wrote answers
with a `vitrine-consistency-token` trailer: the primary's WAL position after
its commit. A `Session` keeps the latest token it saw and sends it with
every later call, so reads through it are served by a replica only once
that replica has replayed those writes (or by the primary). Without
replicas the server sends no token and ignores one: a session costs nothing.

A session is per channel by default (`connect(..., read_your_writes=True)`);
pass one `Session` to several channels to carry a user's writes across them.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from typing import Any

import grpc

TOKEN_KEY = "vitrine-consistency-token"


def _lsn(token: str) -> int:
    high, _, low = token.partition("/")
    try:
        return int(high, 16) << 32 | int(low, 16)
    except ValueError:
        return -1


class Session:
    """The latest consistency token a caller has seen (thread-safe)."""

    def __init__(self, token: str | None = None) -> None:
        self._lock = threading.Lock()
        self.token = token

    def saw(self, metadata: Any) -> None:
        """Keep the token of a call's trailing metadata, if it is newer."""
        for key, value in metadata or ():
            if key != TOKEN_KEY:
                continue
            text = value.decode() if isinstance(value, bytes) else str(value)
            with self._lock:
                if self.token is None or _lsn(text) > _lsn(self.token):
                    self.token = text

    def metadata(self, metadata: Any) -> list[tuple[str, Any]]:
        """The call's metadata with the session's token added."""
        pairs = [(k, v) for k, v in (metadata or ()) if k != TOKEN_KEY]
        if self.token is not None:
            pairs.append((TOKEN_KEY, self.token))
        return pairs


class _Details(
    collections.namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class SessionInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
):
    """For blocking channels: sends the session's token, keeps the tokens
    of unary answers."""

    def __init__(self, session: Session):
        self.session = session

    def _details(self, d: Any) -> _Details:
        return _Details(
            d.method,
            d.timeout,
            self.session.metadata(d.metadata),
            d.credentials,
            getattr(d, "wait_for_ready", None),
            getattr(d, "compression", None),
        )

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        outcome = continuation(self._details(details), request)
        with contextlib.suppress(Exception):  # an outcome without trailers (failed early)
            self.session.saw(outcome.trailing_metadata())
        return outcome

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        outcome = continuation(self._details(details), requests)
        with contextlib.suppress(Exception):
            self.session.saw(outcome.trailing_metadata())
        return outcome


class _AioUnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, session: Session):
        self.session = session

    async def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        details = details._replace(
            metadata=grpc.aio.Metadata(*self.session.metadata(details.metadata))
        )
        call = await continuation(details, request)
        try:
            await call
        except grpc.aio.AioRpcError:
            return call
        self.session.saw(await call.trailing_metadata())
        return call


class _AioUnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, session: Session):
        self.session = session

    async def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        details = details._replace(
            metadata=grpc.aio.Metadata(*self.session.metadata(details.metadata))
        )
        return await continuation(details, request)


def aio_session_interceptors(session: Session) -> list[grpc.aio.ClientInterceptor]:
    """For asyncio channels: send the session's token, keep unary answers' tokens."""
    return [_AioUnaryUnary(session), _AioUnaryStream(session)]
