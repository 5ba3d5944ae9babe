"""Concurrent reads by id share one query, and only queries sent after they started."""

from __future__ import annotations

import asyncio

import pytest
from vitrine_server.db.coalesce import Coalescer
from vitrine_server.errors import DeadlineExceeded, Unavailable
from vitrine_server.rpc import deadline


class FakeTable:
    """Stands in for PostgreSQL's answer to `id = ANY($1)`; records every query."""

    def __init__(self, rows: dict[int, str], delay: float = 0.01):
        self.rows = rows
        self.delay = delay
        self.queries: list[list[int]] = []
        self.fail: Exception | None = None

    async def fetch_many(self, ids: list[int]) -> dict[int, str]:
        self.queries.append(sorted(ids))
        snapshot = dict(self.rows)  # what the query sees: the rows when it started
        await asyncio.sleep(self.delay)
        if self.fail:
            raise self.fail
        return {i: snapshot[i] for i in ids if i in snapshot}


async def test_concurrent_reads_share_queries():
    table = FakeTable({i: f"row{i}" for i in range(100)})
    c = Coalescer(table.fetch_many, max_in_flight=1)
    results = await asyncio.gather(*(c.load([i % 10, 99]) for i in range(50)))
    assert all(r == {i % 10: f"row{i % 10}", 99: "row99"} for i, r in enumerate(results))
    assert len(table.queries) <= 2, table.queries
    assert c.stats["queries"] == len(table.queries)


async def test_missing_ids_are_left_out():
    c = Coalescer(FakeTable({1: "a"}).fetch_many)
    assert await c.load([1, 2]) == {1: "a"}


async def test_a_read_never_joins_a_query_already_running():
    table = FakeTable({1: "old"}, delay=0.05)
    c = Coalescer(table.fetch_many, max_in_flight=1)
    first = asyncio.ensure_future(c.load([1]))
    await asyncio.sleep(0.01)  # the first query is running with the old row
    table.rows[1] = "new"  # a write commits...
    second = await c.load([1])  # ...and a read starts after it
    assert second == {1: "new"}
    assert await first == {1: "old"}
    assert len(table.queries) == 2


async def test_errors_reach_every_caller_and_deadlines_bound_waiting():
    table = FakeTable({1: "a"}, delay=0.2)
    c = Coalescer(table.fetch_many)
    table.fail = Unavailable("down", reason="POSTGRES_UNAVAILABLE")
    results = await asyncio.gather(c.load([1]), c.load([1]), return_exceptions=True)
    assert all(isinstance(r, Unavailable) for r in results)
    table.fail = None
    deadline.set_remaining(0.05)
    try:
        with pytest.raises(DeadlineExceeded):
            await c.load([1])
    finally:
        deadline.set_remaining(None)


async def test_lone_reads_do_not_wait_and_crowds_are_spaced():
    table = FakeTable({1: "a", 2: "b"}, delay=0.001)
    c = Coalescer(table.fetch_many, min_interval=10.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(5):  # one after another: each goes out at once, never 10 s later
        assert await c.load([1]) == {1: "a"}
    assert loop.time() - start < 5.0
    assert len(table.queries) == 5
    # A crowd: the next query waits for the interval and gathers what came meanwhile.
    c.min_interval = 0.3
    await asyncio.gather(*(c.load([2]) for _ in range(10)))
    queries = len(table.queries)
    start = loop.time()
    await asyncio.gather(*(c.load([1]) for _ in range(10)))
    assert len(table.queries) == queries + 1
    assert loop.time() - start >= 0.25
