"""The /metrics HTTP endpoint: prometheus-client's WSGI app on a small
threaded server, in a daemon thread beside the event loop.

Not prometheus-client's `start_http_server`: this one can bring values up to
date just before each scrape (`before_scrape`), reports the port it bound (0
asks for an ephemeral one) and turns a taken port into a clear ConfigError.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from vitrine_server.config import ConfigError

# How often the serving thread checks for close(): an idle wake-up, nothing more.
POLL_S = 0.1


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no access log on stderr
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


class MetricsEndpoint:
    """Serves `registry` over HTTP on host:port until `close()`."""

    def __init__(
        self,
        registry: CollectorRegistry,
        host: str,
        port: int,
        before_scrape: Callable[[], None] | None = None,
    ) -> None:
        inner = make_wsgi_app(registry)

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if before_scrape is not None:
                before_scrape()
            return inner(environ, start_response)

        server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
        try:
            self._httpd = make_server(host, port, app, server_class, handler_class=_QuietHandler)
        except OSError as err:
            raise ConfigError(
                f"cannot serve metrics on {host}:{port} ({err.strerror or err}); "
                "set VITRINE_METRICS_PORT to a free port, or to off"
            ) from err
        self.host = host
        self.port: int = self._httpd.server_port
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_S},
            name="metrics-http",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving (blocks up to POLL_S: serve_forever's poll)."""
        self._httpd.shutdown()
        self._httpd.server_close()
