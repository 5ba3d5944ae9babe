"""A thin client for Vitrine: channels with the service config every caller
should use (per-method deadlines, retries of UNAVAILABLE with backoff), and
typed stubs for each service.

    from vitrine_client import connect
    from vitrine.catalog.v1 import catalog_service_pb2 as catalog

    with connect("127.0.0.1:50051", api_key=os.environ["VITRINE_API_KEY"]) as vitrine:
        product = vitrine.catalog.GetProduct(catalog.GetProductRequest(id=1)).product

`aio_connect` is the same for asyncio code. With `api_key`, every call
carries `authorization: Bearer <api_key>` (unless it sets a key itself).
Over TLS, and mutual TLS when the
server asks for a client certificate:

    creds = tls_credentials(ca="ca.pem", cert="client.pem", key="client.key")
    with connect("vitrine.internal:50051", creds) as vitrine: ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import grpc
from vitrine.admin.v1 import admin_service_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine.search.v1 import search_service_pb2_grpc

from vitrine_client.auth import ApiKeyInterceptor, aio_interceptors

SERVICE_CONFIG: str = resources.files(__package__).joinpath("service_config.json").read_text()


def _options(extra: list[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    return [
        ("grpc.service_config", SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
        *(extra or []),
    ]


@dataclass
class Vitrine:
    """Stubs of every Vitrine service over one channel."""

    channel: Any

    def __post_init__(self) -> None:
        self.catalog = catalog_service_pb2_grpc.CatalogServiceStub(self.channel)
        self.pricing = pricing_service_pb2_grpc.PricingServiceStub(self.channel)
        self.search = search_service_pb2_grpc.SearchServiceStub(self.channel)
        self.admin = admin_service_pb2_grpc.AdminServiceStub(self.channel)

    def close(self) -> Any:
        return self.channel.close()

    def __enter__(self) -> Vitrine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.channel.close()

    async def __aenter__(self) -> Vitrine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.channel.close()


def connect(
    target: str,
    credentials: grpc.ChannelCredentials | None = None,
    options: list[tuple[str, Any]] | None = None,
    api_key: str | None = None,
) -> Vitrine:
    """A blocking client; TLS when credentials are given."""
    if credentials is None:
        channel = grpc.insecure_channel(target, options=_options(options))
    else:
        channel = grpc.secure_channel(target, credentials, options=_options(options))
    if api_key:
        channel = grpc.intercept_channel(channel, ApiKeyInterceptor(api_key))
    return Vitrine(channel)


def aio_connect(
    target: str,
    credentials: grpc.ChannelCredentials | None = None,
    options: list[tuple[str, Any]] | None = None,
    api_key: str | None = None,
) -> Vitrine:
    """An asyncio client; TLS when credentials are given."""
    interceptors = aio_interceptors(api_key) if api_key else None
    if credentials is None:
        return Vitrine(
            grpc.aio.insecure_channel(target, options=_options(options), interceptors=interceptors)
        )
    return Vitrine(
        grpc.aio.secure_channel(
            target, credentials, options=_options(options), interceptors=interceptors
        )
    )


def tls_credentials(
    ca: str | Path | None = None,
    cert: str | Path | None = None,
    key: str | Path | None = None,
) -> grpc.ChannelCredentials:
    """Channel credentials from PEM files.

    `ca`: the certificates that may sign the server's (None: the system's
    roots). `cert` and `key`: this client's certificate and key, for servers
    that require mutual TLS (both or neither).
    """
    if (cert is None) != (key is None):
        raise ValueError("a client certificate needs its key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=Path(ca).read_bytes() if ca is not None else None,
        private_key=Path(key).read_bytes() if key is not None else None,
        certificate_chain=Path(cert).read_bytes() if cert is not None else None,
    )


def service_config() -> dict[str, Any]:
    return json.loads(SERVICE_CONFIG)
