"""Driving a fuzz run: mutated requests over a real channel, outcomes counted.

Requests travel as raw bytes (no client-side serializer), so the server sees
exactly what the mutator made, invalid UTF-8 and garbage included. A call
fails the run when it answers INTERNAL or UNKNOWN, when it answers
RESOURCE_EXHAUSTED for anything but a rate limit, or when its error is
bigger than MAX_ERROR_BYTES.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.fuzz.engine import Mutator
from tests.fuzz.world import SERVICES, methods, path_of

# "Every error under a few KB": the status message plus every trailer.
MAX_ERROR_BYTES = 4096
CALL_TIMEOUT_S = 15.0
STREAM_TIMEOUT_S = 0.5
BAD_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


@dataclass(frozen=True)
class Outcome:
    method: str
    label: str
    code: grpc.StatusCode
    message: str
    error_bytes: int
    reason: str


@dataclass
class Report:
    calls: int = 0
    seconds: float = 0.0
    codes: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: list[Outcome] = field(default_factory=list)

    def failed(self, o: Outcome) -> str | None:
        """Why this outcome fails the run, or None."""
        if o.code in BAD_CODES:
            return o.code.name
        if o.code == grpc.StatusCode.RESOURCE_EXHAUSTED and o.reason != "RATE_LIMITED":
            return "RESOURCE_EXHAUSTED (not a rate limit)"
        if o.error_bytes > MAX_ERROR_BYTES:
            return f"error of {o.error_bytes} bytes"
        return None

    def add(self, o: Outcome) -> None:
        self.calls += 1
        self.codes[o.code.name] += 1
        if self.failed(o):
            self.failures.append(o)

    def summary(self, limit: int = 40) -> str:
        """Failures grouped by method, why and what the mutation did."""
        lines = [
            f"{self.calls} calls in {self.seconds:.1f} s; codes: "
            + ", ".join(f"{k} {v}" for k, v in self.codes.most_common()),
            f"{len(self.failures)} failed calls",
        ]
        groups: collections.Counter[tuple[str, str]] = collections.Counter()
        samples: dict[tuple[str, str], Outcome] = {}
        for o in self.failures:
            key = (o.method, self.failed(o) or "")
            groups[key] += 1
            samples.setdefault(key, o)
        for (method, why), n in groups.most_common(limit):
            s = samples[(method, why)]
            lines.append(f"  {n:5d}  {method}  {why}  e.g. {s.label} -> {s.message[:120]!r}")
        if self.failures:
            lines.append("failed calls by status and kinds of value sent:")
            for (why, kinds), n in self.by_kind().most_common(limit):
                lines.append(f"  {n:5d}  {why}  {kinds}")
        return "\n".join(lines)

    def by_kind(self) -> collections.Counter[tuple[str, str]]:
        """Failed calls by why they failed and the kinds of value sent."""
        return collections.Counter((self.failed(o) or "", _kinds(o.label)) for o in self.failures)


def _kinds(label: str) -> str:
    """`filter.brands:repeated-huge+id:int(-1)` -> `int+repeated-huge`."""
    kinds = set()
    for part in label.split("+"):
        kind = part.rpartition(":")[2] if not part.startswith("garbage:") else "garbage"
        kinds.add(kind.split("(")[0])
    return "+".join(sorted(kinds))


def _reason(metadata: tuple[tuple[str, bytes | str], ...] | None) -> tuple[str, int]:
    """The ErrorInfo reason and the size of every trailer."""
    reason, size = "", 0
    for key, value in metadata or ():
        size += len(key) + len(value)
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    reason = info.reason
    return reason, size


class Fuzzer:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        seeds: dict[str, list[Message]],
        seed: int,
    ):
        self.channel = channel
        self.seeds = seeds
        self.rng = random.Random(seed)
        self.mutator = Mutator(random.Random(seed + 1))
        self.methods = [m for m in methods() if seeds.get(path_of(m))]

    async def call(self, method: MethodDescriptor, data: bytes, label: str) -> Outcome:
        path = path_of(method)
        try:
            if method.client_streaming:
                # A stream of the mutated message after a valid one.
                valid = self.seeds[path][0].SerializeToString()
                await self.channel.stream_unary(path)(iter([valid, data]), timeout=CALL_TIMEOUT_S)
            elif method.server_streaming:
                async for _ in self.channel.unary_stream(path)(data, timeout=STREAM_TIMEOUT_S):
                    pass
            else:
                answer = await self.channel.unary_unary(path)(data, timeout=CALL_TIMEOUT_S)
                self._collect_token(method, answer)
        except grpc.aio.AioRpcError as err:
            reason, size = _reason(err.trailing_metadata())
            details = err.details() or ""
            return Outcome(path, label, err.code(), details, size + len(details), reason)
        return Outcome(path, label, grpc.StatusCode.OK, "", 0, "")

    def _collect_token(self, method: MethodDescriptor, answer: bytes) -> None:
        if "next_page_token" not in method.output_type.fields_by_name:
            return
        response = message_factory.GetMessageClass(method.output_type).FromString(answer)
        token = response.next_page_token  # type: ignore[attr-defined]
        if token and len(self.mutator.tokens) < 200:
            self.mutator.tokens.append(token)

    async def warm_up(self) -> Report:
        """Every seed as it is: collects real page tokens, and shows the seeds
        are valid requests (none may answer INVALID_ARGUMENT)."""
        report = Report()
        for method in self.methods:
            for seed in self.seeds[path_of(method)]:
                report.add(await self.call(method, seed.SerializeToString(), "seed"))
        return report

    def _requests(self, calls: int) -> Iterator[tuple[MethodDescriptor, bytes, str]]:
        order = list(self.methods)
        for i in range(calls):
            if i % len(order) == 0:
                self.rng.shuffle(order)
            method = order[i % len(order)]
            seed = self.rng.choice(self.seeds[path_of(method)])
            data, label = self.mutator.mutate(seed)
            yield method, data, label

    async def run(self, calls: int, concurrency: int = 8) -> Report:
        report = Report()
        started = time.perf_counter()
        requests = self._requests(calls)

        async def worker() -> None:
            for method, data, label in requests:
                report.add(await self.call(method, data, label))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        report.seconds = time.perf_counter() - started
        return report


async def serving(channel: grpc.aio.Channel) -> dict[str, str]:
    """Health of the server as a whole and of every Vitrine service."""
    stub = health_pb2_grpc.HealthStub(channel)
    out = {}
    for name in ("", *(s.full_name for s in SERVICES)):
        response = await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        out[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    return out
