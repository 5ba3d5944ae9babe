"""Drive h2load against one gRPC unary method and turn its output into numbers.

A gRPC unary call is an HTTP/2 POST whose body is one length-prefixed
message (0x00, 4-byte big-endian length, the serialized protobuf), so h2load
can replay a fixed call at a rate no Python client could reach.

h2load counts every HTTP 200 as a success, but a failed gRPC call is also an
HTTP 200, carrying a non-zero grpc-status. Two independent checks catch that:
- `sample_grpc_statuses` replays a few hundred calls with `-v`, which prints
  response headers: a failed unary call is "trailers-only" (grpc-status in the
  response headers), a successful one carries its grpc-status in trailers,
  which h2load does not print.
- `run_load` compares the DATA bytes received with succeeded x the size of the
  verified response: a failed call returns no message.
"""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import struct
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.options import API_KEY

GRPC_HEADERS = (
    "content-type: application/grpc",
    "te: trailers",
    f"authorization: Bearer {API_KEY}",
)


class H2LoadError(RuntimeError):
    """h2load is missing, failed, or printed something we cannot parse."""


def grpc_frame(message: bytes) -> bytes:
    """The HTTP/2 body of a unary call: uncompressed flag, length, message."""
    return b"\x00" + struct.pack(">I", len(message)) + message


def write_body(path: Path, message: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(grpc_frame(message))
    return path


@dataclass(frozen=True)
class LoadSettings:
    """One set of h2load settings, used unchanged for every scenario of a run."""

    # >= 8 connections: SO_REUSEPORT balances connections, not calls.
    connections: int = 16
    # Concurrent streams per connection.
    streams: int = 8
    threads: int = 1
    duration_s: int = 8
    # A separate run before the measured one. Not h2load's --warm-up-time:
    # that one counts warm-up DATA bytes in the summary, breaking the
    # DATA-bytes check, while excluding those calls from the request count.
    warmup_s: int = 2
    # 0: as fast as the server answers (closed loop, for throughput). Else a
    # fixed rate per connection (open loop, for latency below saturation).
    rps_per_connection: int = 0


@dataclass
class LoadResult:
    """The measured run of one scenario."""

    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    duration_s: float
    requests: int
    succeeded: int
    failed: int
    errored: int
    timeout: int
    http_2xx: int
    http_other: int
    data_bytes: int
    # Calls whose response message was missing, from DATA bytes; None when the
    # response size is not fixed / not known.
    grpc_failed_estimate: int | None
    latency_samples: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatusSample:
    """grpc-status counts of a short verbose replay (see module docstring)."""

    calls: int
    http_200: int
    grpc_errors: Counter[int] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.calls > 0 and self.http_200 == self.calls and not self.grpc_errors

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "http_200": self.http_200,
            "grpc_errors": {str(k): v for k, v in sorted(self.grpc_errors.items())},
        }


def h2load_binary() -> str:
    path = shutil.which("h2load")
    if path is None:
        raise H2LoadError("h2load not found: apt-get update && apt-get install -y nghttp2-client")
    return path


def _argv(url: str, body: Path, extra: list[str]) -> list[str]:
    argv = [h2load_binary(), "-d", str(body)]
    for header in GRPC_HEADERS:
        argv += ["-H", header]
    return [*argv, *extra, url]


async def _run(argv: list[str], timeout_s: float) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise H2LoadError(f"h2load did not finish in {timeout_s:.0f}s: {argv}") from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise H2LoadError(f"h2load exited {proc.returncode}: {text[-2000:]}")
    return text


_FINISHED = re.compile(r"finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s")
_REQUESTS = re.compile(
    r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
    r"(\d+) failed, (\d+) errored, (\d+) timeout"
)
_STATUS = re.compile(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")
_DATA = re.compile(r"\((\d+)\) data")
_UNIT_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def _search(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    match = pattern.search(text)
    if match is None:
        raise H2LoadError(f"unexpected h2load output (no {pattern.pattern!r}):\n{text[-2000:]}")
    return match


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values), max(1, math.ceil(q / 100 * len(sorted_values))))
    return float(sorted_values[rank - 1])


def read_latencies_us(log_file: Path) -> tuple[list[int], int]:
    """Per-request latencies (µs) of HTTP-200 calls, and the count of others.

    The --log-file format: start (µs since epoch) TAB status (-1 for a failed
    stream) TAB µs until the end of the response [TAB more columns later].
    """
    ok: list[int] = []
    other = 0
    with log_file.open() as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) < 3:
                continue
            if cols[1] == "200":
                ok.append(int(cols[2]))
            else:
                other += 1
    ok.sort()
    return ok, other


def _fresh_log(log_file: Path) -> None:
    # h2load appends to an existing log file: a stale one would mix runs.
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.unlink(missing_ok=True)


async def run_load(
    url: str,
    body: Path,
    settings: LoadSettings,
    log_file: Path,
    expected_response_bytes: int | None,
) -> LoadResult:
    """A warm-up run, then the measured run with per-request latencies."""
    base = [
        "-c",
        str(settings.connections),
        "-m",
        str(settings.streams),
        "-t",
        str(settings.threads),
    ]
    if settings.rps_per_connection:
        base += ["--rps", str(settings.rps_per_connection)]
    if settings.warmup_s > 0:
        await _run(_argv(url, body, [*base, "-D", str(settings.warmup_s)]), settings.warmup_s + 30)
    _fresh_log(log_file)
    text = await _run(
        _argv(url, body, [*base, "-D", str(settings.duration_s), "--log-file", str(log_file)]),
        settings.duration_s + 30,
    )
    fin = _search(_FINISHED, text)
    req = [int(x) for x in _search(_REQUESTS, text).groups()]
    status = [int(x) for x in _search(_STATUS, text).groups()]
    data_bytes = int(_search(_DATA, text).group(1))
    latencies, _ = read_latencies_us(log_file)

    succeeded = req[3]
    grpc_failed: int | None = None
    if expected_response_bytes:
        # Calls cut off when the duration ends may have sent part of their
        # DATA, so this undercounts by at most the in-flight calls; fine for
        # a smoke alarm, the verbose sample is the exact check.
        grpc_failed = max(0, succeeded - data_bytes // expected_response_bytes)

    return LoadResult(
        rps=float(fin.group(3)),
        p50_ms=percentile(latencies, 50) / 1000,
        p99_ms=percentile(latencies, 99) / 1000,
        mean_ms=(sum(latencies) / len(latencies) / 1000) if latencies else float("nan"),
        max_ms=(latencies[-1] / 1000) if latencies else float("nan"),
        duration_s=float(fin.group(1)) * _UNIT_S[fin.group(2)],
        requests=req[0],
        succeeded=succeeded,
        failed=req[4],
        errored=req[5],
        timeout=req[6],
        http_2xx=status[0],
        http_other=sum(status[1:]),
        data_bytes=data_bytes,
        grpc_failed_estimate=grpc_failed,
        latency_samples=len(latencies),
    )


_VERBOSE_HEADER = re.compile(r"^\[stream_id=(\d+)\] ([^:]+|:status): (.*)$", re.MULTILINE)


async def sample_grpc_statuses(url: str, body: Path, calls: int = 300) -> StatusSample:
    """Replay `calls` calls with -v and count HTTP 200s and non-zero grpc-status."""
    text = await _run(_argv(url, body, ["-n", str(calls), "-c", "2", "-m", "4", "-v"]), 60)
    http_200 = 0
    errors: Counter[int] = Counter()
    for match in _VERBOSE_HEADER.finditer(text):
        name, value = match.group(2).lower(), match.group(3).strip()
        if name == ":status" and value == "200":
            http_200 += 1
        elif name == "grpc-status" and value != "0":
            errors[int(value)] += 1
    done = int(_search(_REQUESTS, text).group(3))
    return StatusSample(calls=done, http_200=http_200, grpc_errors=errors)
