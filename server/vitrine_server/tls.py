"""TLS for the gRPC port: a server certificate, and mutual TLS when a client
CA is configured (every client must then present a certificate it signed).

The PEM files are read and checked when the server starts (and by the CLI
before it spawns workers), so a wrong path, a key that does not match its
certificate or an unreadable CA stops the start with a clear message instead
of failing every handshake later.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc

from vitrine_server.config import ConfigError, Settings


def _read(path: str, variable: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise ConfigError(f"{variable}: cannot read {path}: {err.strerror or err}") from err


def _check(settings: Settings) -> None:
    """The same files through OpenSSL: parseable, and the key matches the certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except ssl.SSLError as err:
        raise ConfigError(
            f"VITRINE_TLS_CERT/VITRINE_TLS_KEY: {settings.tls_cert} and {settings.tls_key} "
            f"are not a PEM certificate chain and its private key ({err.reason or err})"
        ) from err
    if settings.tls_client_ca:
        try:
            context.load_verify_locations(settings.tls_client_ca)
        except ssl.SSLError as err:
            raise ConfigError(
                f"VITRINE_TLS_CLIENT_CA: {settings.tls_client_ca} holds no PEM certificate "
                f"({err.reason or err})"
            ) from err


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """Credentials for `add_secure_port`, or None when TLS is not configured."""
    if not settings.tls:
        return None
    cert = _read(settings.tls_cert, "VITRINE_TLS_CERT")
    key = _read(settings.tls_key, "VITRINE_TLS_KEY")
    ca = _read(settings.tls_client_ca, "VITRINE_TLS_CLIENT_CA") if settings.tls_client_ca else None
    _check(settings)
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=ca, require_client_auth=ca is not None
    )
