"""TLS and mutual TLS on the gRPC port, over real channels, with certificates
generated for the test (tests/pki.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine_client import aio_connect, tls_credentials
from vitrine_server import tls
from vitrine_server.app import VitrineServer
from vitrine_server.config import ConfigError, Settings

from tests.pki import Pki, make_pki
from tests.support import ADMIN_KEY


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


async def _serve(settings: Settings) -> AsyncIterator[str]:
    server = VitrineServer(settings)
    port = await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(grace=0.5)


@pytest_asyncio.fixture(scope="module")
async def tls_target(env, pki: Pki) -> AsyncIterator[str]:
    """A server with a certificate, no client certificate asked for."""
    settings = dataclasses.replace(
        env.settings, tls_cert=str(pki.server.cert), tls_key=str(pki.server.key)
    )
    async for target in _serve(settings):
        yield target


@pytest_asyncio.fixture(scope="module")
async def mtls_target(env, pki: Pki) -> AsyncIterator[str]:
    """A server that requires a client certificate signed by the test CA."""
    settings = dataclasses.replace(
        env.settings,
        tls_cert=str(pki.server.cert),
        tls_key=str(pki.server.key),
        tls_client_ca=str(pki.ca.cert),
    )
    async for target in _serve(settings):
        yield target


async def _list_stores(channel: grpc.aio.Channel) -> api.ListStoresResponse:
    stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
    return await stub.ListStores(
        api.ListStoresRequest(page_size=1), timeout=5, metadata=(("x-api-key", ADMIN_KEY),)
    )


async def _refused(channel: grpc.aio.Channel) -> None:
    async with channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await _list_stores(channel)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value


# -- TLS --------------------------------------------------------------------


async def test_tls_serves_a_client_that_trusts_its_ca(tls_target: str, pki: Pki) -> None:
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.cert_pem)
    async with grpc.aio.secure_channel(tls_target, creds) as channel:
        await _list_stores(channel)
    # The thin client, from the PEM paths.
    async with aio_connect(
        tls_target, tls_credentials(ca=pki.ca.cert), api_key=ADMIN_KEY
    ) as vitrine:
        await vitrine.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=5)


async def test_tls_port_refuses_plaintext(tls_target: str) -> None:
    await _refused(grpc.aio.insecure_channel(tls_target))


async def test_tls_client_refuses_a_server_signed_by_another_ca(tls_target: str, pki: Pki) -> None:
    creds = grpc.ssl_channel_credentials(root_certificates=pki.other_ca.cert_pem)
    await _refused(grpc.aio.secure_channel(tls_target, creds))


# -- mutual TLS -------------------------------------------------------------


async def test_mtls_accepts_a_client_certificate_signed_by_the_client_ca(
    mtls_target: str, pki: Pki
) -> None:
    creds = tls_credentials(ca=pki.ca.cert, cert=pki.client.cert, key=pki.client.key)
    async with aio_connect(mtls_target, creds, api_key=ADMIN_KEY) as vitrine:
        await vitrine.catalog.ListStores(api.ListStoresRequest(page_size=1), timeout=5)


async def test_mtls_refuses_a_client_without_a_certificate(mtls_target: str, pki: Pki) -> None:
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.cert_pem)
    await _refused(grpc.aio.secure_channel(mtls_target, creds))


async def test_mtls_refuses_a_certificate_signed_by_another_ca(mtls_target: str, pki: Pki) -> None:
    creds = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.cert_pem,
        private_key=pki.stranger.key_pem,
        certificate_chain=pki.stranger.cert_pem,
    )
    await _refused(grpc.aio.secure_channel(mtls_target, creds))


async def test_mtls_port_refuses_plaintext(mtls_target: str) -> None:
    await _refused(grpc.aio.insecure_channel(mtls_target))


# -- configuration ----------------------------------------------------------


def test_a_key_without_a_certificate_is_refused(pki: Pki) -> None:
    with pytest.raises(ConfigError, match="VITRINE_TLS_CERT and VITRINE_TLS_KEY"):
        Settings.from_env({"VITRINE_TLS_KEY": str(pki.server.key)})
    with pytest.raises(ConfigError, match="VITRINE_TLS_CLIENT_CA"):
        Settings.from_env({"VITRINE_TLS_CLIENT_CA": str(pki.ca.cert)})


def test_unusable_tls_files_are_refused_before_serving(pki: Pki, tmp_path: Path) -> None:
    def creds(**files: Path) -> None:
        tls.server_credentials(Settings(**{k: str(v) for k, v in files.items()}))

    with pytest.raises(ConfigError, match="cannot read"):
        creds(tls_cert=tmp_path / "missing.pem", tls_key=pki.server.key)
    with pytest.raises(ConfigError, match="private key"):  # the client's key: not this cert's
        creds(tls_cert=pki.server.cert, tls_key=pki.client.key)
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate")
    with pytest.raises(ConfigError, match="VITRINE_TLS_CLIENT_CA"):
        creds(tls_cert=pki.server.cert, tls_key=pki.server.key, tls_client_ca=not_pem)
    assert tls.server_credentials(Settings()) is None
