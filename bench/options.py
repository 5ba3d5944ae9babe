"""Settings shared by every server the bench starts, kept in one place.

The echo baseline is only a fair yardstick if it runs with exactly the gRPC
server options the Vitrine server uses, so both read them from here.
"""

from __future__ import annotations

import secrets

# The options the Vitrine server is started with (vitrine_server.app.SERVER_OPTIONS;
# `options_drift` below reports any difference, printed by every bench run).
#   so_reuseport: N worker processes share one port (Python's GIL).
#   max_concurrent_streams: deep h2load pipelining must not be refused.
#   max_pings_without_data: long-lived clients may keepalive-ping freely.
#   max_receive_message_length: big batch requests (no effect on small calls).
#   min_ping_interval_without_data_ms, keepalive_permit_without_calls: client
#   keepalive pings every 10 s or slower are accepted.
SERVER_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.so_reuseport", 1),
    ("grpc.max_concurrent_streams", 1000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
)

# The echo server's methods: Echo returns the request; Sized returns a fixed
# response as long as the RPC it stands beside (GetProduct's ~500 bytes), so
# the baseline moves the same bytes and only Vitrine's own work differs.
ECHO_SERVICE = "vitrine.bench.v1.EchoService"
ECHO_METHOD = "Echo"
SIZED_METHOD = "Sized"
REPLAY_METHOD = "Replay"
ECHO_PATH = f"/{ECHO_SERVICE}/{ECHO_METHOD}"
SIZED_PATH = f"/{ECHO_SERVICE}/{SIZED_METHOD}"
REPLAY_PATH = f"/{ECHO_SERVICE}/{REPLAY_METHOD}"


# Every Vitrine server the bench starts takes this as its bootstrap admin key
# (servers.vitrine_env), and every call sends it, h2load's included: the
# bench measures the service with access control and rate limiting on, as
# deployed. The rate limit is set far above what the bench can send, so the
# limiter runs on every call and never refuses one. The echo server gets the
# same header and ignores it.
API_KEY = f"vtr_bench_{secrets.token_urlsafe(24)}"
RATE_LIMIT_PER_MINUTE = 1_000_000_000


def options_drift() -> str | None:
    """How the Vitrine server's options differ from ours, or None if identical."""
    try:
        from vitrine_server.app import SERVER_OPTIONS as vitrine_options
    except ImportError as e:
        return f"cannot compare with vitrine_server.app.SERVER_OPTIONS: {e}"
    ours, theirs = set(SERVER_OPTIONS), {tuple(o) for o in vitrine_options}
    if ours == theirs:
        return None
    return (
        f"echo server options differ from Vitrine's: only bench {sorted(ours - theirs)}, "
        f"only Vitrine {sorted(theirs - ours)} (update bench/options.py)"
    )
