"""A thin client for Vitrine: channels with the service config every caller
should use (a default deadline for every method, retries of UNAVAILABLE with
backoff where a retry is safe: see the README beside this package), keepalive
pings the server accepts, and stubs for each of its four services: catalog,
pricing, search and admin.

    from vitrine_client import connect
    from vitrine.catalog.v1 import catalog_service_pb2 as catalog

    with connect("127.0.0.1:50051", api_key=os.environ["VITRINE_API_KEY"]) as vitrine:
        product = vitrine.catalog.GetProduct(catalog.GetProductRequest(id=1)).product

`target` may name several instances, which the channel balances round robin
(gRPC's own `round_robin` policy, from the service config): a list of
addresses, `["10.0.0.1:50051", "10.0.0.2:50051"]`, or one DNS name that
resolves to all of them, `"dns:///vitrine.internal:50051"`. A call that
fails with UNAVAILABLE on one (it went away) is retried per the service
config, and round robin sends the retry to another.

Reads see the caller's own writes when the server reads from replicas:
the channel keeps the consistency token of each write's answer and sends
it with every later call (`read_your_writes`, consistency.py).

`aio_connect` is the same for asyncio code. With `api_key`, every call
carries `authorization: Bearer <api_key>` (unless it sets a key itself).
Over TLS, and mutual TLS when the
server asks for a client certificate:

    creds = tls_credentials(ca="ca.pem", cert="client.pem", key="client.key")
    with connect("vitrine.internal:50051", creds) as vitrine: ...
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import grpc
from vitrine.admin.v1 import admin_service_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine.search.v1 import search_service_pb2_grpc

from vitrine_client.auth import ApiKeyInterceptor, aio_interceptors
from vitrine_client.consistency import Session, SessionInterceptor, aio_session_interceptors

SERVICE_CONFIG: str = resources.files(__package__).joinpath("service_config.json").read_text()

# A ping every 30 s while a call is open keeps idle streams (StreamTriggeredAlerts)
# alive through NATs and load balancers, and notices a dead peer within
# KEEPALIVE_TIMEOUT_MS. The server accepts a ping every 10 s or slower
# (its grpc.http2.min_ping_interval_without_data_ms): faster pingers are sent
# GOAWAY "too_many_pings". No pings without a call: an idle channel is quiet.
KEEPALIVE_TIME_MS = 30_000
KEEPALIVE_TIMEOUT_MS = 10_000


def _options(extra: list[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    """The client's channel options; the caller's `extra` replace ours of the
    same name (gRPC core takes the first of duplicate names)."""
    options: dict[str, Any] = {
        "grpc.service_config": SERVICE_CONFIG,
        "grpc.enable_retries": 1,
        "grpc.keepalive_time_ms": KEEPALIVE_TIME_MS,
        "grpc.keepalive_timeout_ms": KEEPALIVE_TIMEOUT_MS,
        # Keep pinging while a stream is open but silent (by default gRPC
        # stops after two pings without data, and the keepalive goes blind).
        "grpc.http2.max_pings_without_data": 0,
    }
    options.update(extra or ())
    return list(options.items())


def target_of(addresses: str | Sequence[str]) -> str:
    """A gRPC target for one address or name, or for several addresses
    ("ipv4:a:p,b:p", which the channel balances round robin)."""
    if isinstance(addresses, str):
        return addresses
    addresses = list(addresses)
    if not addresses:
        raise ValueError("no address given")
    if len(addresses) == 1:
        return addresses[0]
    scheme = "ipv6" if all(a.startswith("[") for a in addresses) else "ipv4"
    for address in addresses:
        host = address.rsplit(":", 1)[0].strip("[]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"{address!r}: several addresses must be IP literals; for names, give one "
                'DNS name that resolves to every instance ("dns:///vitrine.internal:50051")'
            ) from None
    return f"{scheme}:" + ",".join(addresses)


class Vitrine:
    """Blocking stubs of every Vitrine service over one channel (`connect`)."""

    def __init__(self, channel: grpc.Channel, session: Session | None = None) -> None:
        self.channel = channel
        # The consistency tokens this client saw (None: read_your_writes off).
        self.session = session
        self.catalog = catalog_service_pb2_grpc.CatalogServiceStub(channel)
        self.pricing = pricing_service_pb2_grpc.PricingServiceStub(channel)
        self.search = search_service_pb2_grpc.SearchServiceStub(channel)
        self.admin = admin_service_pb2_grpc.AdminServiceStub(channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Vitrine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.channel.close()


class AioVitrine:
    """asyncio stubs of every Vitrine service over one channel (`aio_connect`)."""

    catalog: catalog_service_pb2_grpc.CatalogServiceAsyncStub
    pricing: pricing_service_pb2_grpc.PricingServiceAsyncStub
    search: search_service_pb2_grpc.SearchServiceAsyncStub
    admin: admin_service_pb2_grpc.AdminServiceAsyncStub

    def __init__(self, channel: grpc.aio.Channel, session: Session | None = None) -> None:
        self.channel = channel
        # The consistency tokens this client saw (None: read_your_writes off).
        self.session = session
        # The generated stubs serve both kinds of channel; their .pyi types
        # the asyncio flavour as *AsyncStub.
        self.catalog = catalog_service_pb2_grpc.CatalogServiceStub(channel)  # type: ignore[assignment]
        self.pricing = pricing_service_pb2_grpc.PricingServiceStub(channel)  # type: ignore[assignment]
        self.search = search_service_pb2_grpc.SearchServiceStub(channel)  # type: ignore[assignment]
        self.admin = admin_service_pb2_grpc.AdminServiceStub(channel)  # type: ignore[assignment]

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AioVitrine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.channel.close()


def connect(
    target: str | Sequence[str],
    credentials: grpc.ChannelCredentials | None = None,
    options: list[tuple[str, Any]] | None = None,
    api_key: str | None = None,
    read_your_writes: bool | Session = True,
) -> Vitrine:
    """A blocking client; TLS when credentials are given. `target`: one
    address or name, or several addresses (see the module's docstring)."""
    address = target_of(target)
    if credentials is None:
        channel = grpc.insecure_channel(address, options=_options(options))
    else:
        channel = grpc.secure_channel(address, credentials, options=_options(options))
    session = _session(read_your_writes)
    if session is not None:
        channel = grpc.intercept_channel(channel, SessionInterceptor(session))
    if api_key:
        channel = grpc.intercept_channel(channel, ApiKeyInterceptor(api_key))
    return Vitrine(channel, session)


def aio_connect(
    target: str | Sequence[str],
    credentials: grpc.ChannelCredentials | None = None,
    options: list[tuple[str, Any]] | None = None,
    api_key: str | None = None,
    read_your_writes: bool | Session = True,
) -> AioVitrine:
    """An asyncio client; TLS when credentials are given."""
    address = target_of(target)
    session = _session(read_your_writes)
    interceptors: list[grpc.aio.ClientInterceptor] = []
    if api_key:
        interceptors += aio_interceptors(api_key)
    if session is not None:
        interceptors += aio_session_interceptors(session)
    if credentials is None:
        channel = grpc.aio.insecure_channel(
            address, options=_options(options), interceptors=interceptors or None
        )
    else:
        channel = grpc.aio.secure_channel(
            address, credentials, options=_options(options), interceptors=interceptors or None
        )
    return AioVitrine(channel, session)


def _session(read_your_writes: bool | Session) -> Session | None:
    if isinstance(read_your_writes, Session):
        return read_your_writes
    return Session() if read_your_writes else None


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
    """The service config every channel of this client carries, parsed."""
    return json.loads(SERVICE_CONFIG)
