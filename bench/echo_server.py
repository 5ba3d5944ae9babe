"""Bare grpc.aio echo server: the ceiling Vitrine's RPCs are compared with.

Echo returns the request bytes unchanged; Sized returns a constant response
of --response-bytes bytes; Replay answers each request with the bytes a
recorded exchange gave it (--replay FILE: JSON lines of base64 "request"
and "response"), so the bare server moves exactly the bytes Vitrine's
answers did (identity serializers, so no protobuf work). On
uvloop, in N worker processes sharing one port through SO_REUSEPORT, with the
same server options as Vitrine.
It also serves grpc.health.v1 so the bench waits for it like for Vitrine.

    python -m bench.echo_server --port 50099 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import sys

from bench.options import ECHO_METHOD, ECHO_SERVICE, REPLAY_METHOD, SERVER_OPTIONS, SIZED_METHOD


async def _echo(request: bytes, context: object) -> bytes:
    return request


def _recorded(path: str) -> dict[bytes, bytes]:
    import base64
    import json

    if not path:
        return {}
    with open(path) as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    return {base64.b64decode(p["request"]): base64.b64decode(p["response"]) for p in pairs}


async def _serve(port: int, response_bytes: int, replay: str) -> None:
    sized_response = b"\x00" * response_bytes
    answers = _recorded(replay)

    async def _sized(request: bytes, context: object) -> bytes:
        return sized_response

    async def _replay(request: bytes, context: object) -> bytes:
        return answers.get(request, b"")

    # Imported here: the parent never touches grpc, so spawned workers start clean.
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.aio.server(options=list(SERVER_OPTIONS))
    handler = grpc.method_handlers_generic_handler(
        ECHO_SERVICE,
        {
            ECHO_METHOD: grpc.unary_unary_rpc_method_handler(
                _echo, request_deserializer=None, response_serializer=None
            ),
            SIZED_METHOD: grpc.unary_unary_rpc_method_handler(
                _sized, request_deserializer=None, response_serializer=None
            ),
            REPLAY_METHOD: grpc.unary_unary_rpc_method_handler(
                _replay, request_deserializer=None, response_serializer=None
            ),
        },
    )
    server.add_generic_rpc_handlers((handler,))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if server.add_insecure_port(f"127.0.0.1:{port}") != port:
        raise SystemExit(f"echo worker {os.getpid()}: cannot bind port {port}")
    await server.start()
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=1.0)


def _worker(port: int, response_bytes: int, replay: str) -> None:
    import uvloop

    uvloop.run(_serve(port, response_bytes, replay))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--response-bytes", type=int, default=0, help="size of Sized's response")
    parser.add_argument("--replay", default="", help="JSON lines of recorded exchanges for Replay")
    args = parser.parse_args(argv)

    # spawn, not fork: gRPC's core threads do not survive a fork.
    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=_worker, args=(args.port, args.response_bytes, args.replay))
        for _ in range(args.workers)
    ]
    for w in workers:
        w.start()

    def _forward(signum: int, _frame: object) -> None:
        for w in workers:
            if w.pid is not None and w.is_alive():
                os.kill(w.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    for w in workers:
        w.join()
    return max((w.exitcode or 0) for w in workers)


if __name__ == "__main__":
    sys.exit(main())
