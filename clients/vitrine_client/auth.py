"""Sending an API key with every call: client interceptors that add
`authorization: Bearer <token>` unless the call carries a key already."""

from __future__ import annotations

import collections
from typing import Any

import grpc

_KEY_HEADERS = ("authorization", "x-api-key")


def _with_key(metadata: Any, token: str) -> list[tuple[str, Any]]:
    pairs = list(metadata or ())
    if not any(k in _KEY_HEADERS for k, _ in pairs):
        pairs.append(("authorization", f"Bearer {token}"))
    return pairs


class _Details(
    collections.namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class ApiKeyInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """For blocking channels: `grpc.intercept_channel(channel, ApiKeyInterceptor(token))`."""

    def __init__(self, token: str):
        self.token = token

    def _details(self, d: Any) -> _Details:
        return _Details(
            d.method,
            d.timeout,
            _with_key(d.metadata, self.token),
            d.credentials,
            getattr(d, "wait_for_ready", None),
            getattr(d, "compression", None),
        )

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)


def _aio_details(details: Any, token: str) -> Any:
    return details._replace(metadata=grpc.aio.Metadata(*_with_key(details.metadata, token)))


class _AioUnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, token: str):
        self.token = token

    async def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return await continuation(_aio_details(details, self.token), request)


class _AioUnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, token: str):
        self.token = token

    async def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return await continuation(_aio_details(details, self.token), request)


class _AioStreamUnary(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, token: str):
        self.token = token

    async def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return await continuation(_aio_details(details, self.token), requests)


class _AioStreamStream(grpc.aio.StreamStreamClientInterceptor):
    def __init__(self, token: str):
        self.token = token

    async def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return await continuation(_aio_details(details, self.token), requests)


def aio_interceptors(token: str) -> list[grpc.aio.ClientInterceptor]:
    """For asyncio channels: `grpc.aio.insecure_channel(target, interceptors=...)`."""
    return [
        _AioUnaryUnary(token),
        _AioUnaryStream(token),
        _AioStreamUnary(token),
        _AioStreamStream(token),
    ]
