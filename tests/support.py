"""Test helpers: a started server with its channel, seed builders, and
assertions on google.rpc error details."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import grpc
from google.rpc import error_details_pb2, status_pb2
from vitrine.admin.v1 import admin_service_pb2_grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc
from vitrine.pricing.v1 import pricing_service_pb2_grpc
from vitrine.search.v1 import search_service_pb2_grpc
from vitrine_client.auth import aio_interceptors
from vitrine_server.app import VitrineServer
from vitrine_server.config import Settings

# The test server's bootstrap admin key: every stub of `Env` sends it unless
# a call sets its own key, so the whole suite runs through access control.
ADMIN_KEY = "vtr_testadmin_" + uuid.uuid4().hex


def admin_dsn(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def dsn_for(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


def unique(prefix: str = "t") -> str:
    """A slug-safe unique name, so tests sharing a database never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Env:
    settings: Settings
    server: VitrineServer
    # Sends the admin key with every call (ADMIN_KEY).
    channel: grpc.aio.Channel
    catalog: catalog_service_pb2_grpc.CatalogServiceStub
    pool: asyncpg.Pool
    pricing: pricing_service_pb2_grpc.PricingServiceStub
    search: search_service_pb2_grpc.SearchServiceStub
    admin: admin_service_pb2_grpc.AdminServiceStub
    # Sends no key: for calls that bring their own, or none.
    bare_channel: grpc.aio.Channel

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, settings: Settings, search: Any = None) -> AsyncIterator[Env]:
        server = VitrineServer(settings, search_reindexer=search)
        port = await server.start()
        channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=aio_interceptors(settings.bootstrap_admin_key)
        )
        bare = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        try:
            yield cls(
                settings,
                server,
                channel,
                catalog_service_pb2_grpc.CatalogServiceStub(channel),
                pool,
                pricing_service_pb2_grpc.PricingServiceStub(channel),
                search_service_pb2_grpc.SearchServiceStub(channel),
                admin_service_pb2_grpc.AdminServiceStub(channel),
                bare,
            )
        finally:
            await channel.close()
            await bare.close()
            await pool.close()
            await server.stop(grace=1.0)


# -- the real command ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_command(
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    *args: str,
    workers: int = 1,
    **variables: str,
) -> tuple[asyncio.subprocess.Process, int]:
    """`python -m vitrine_server run` on a free port, as an operator starts it:
    over this database and Redis, with the test's admin key, JSON logs on its
    (piped) stderr, no metrics; `variables` are more settings (VITRINE_...)
    and `args` more options. Returns the process and its port."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "VITRINE_REDIS_PREFIX": redis_prefix,
        "VITRINE_LOG_FORMAT": "json",
        "VITRINE_METRICS_PORT": "off",
        "VITRINE_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        **variables,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "vitrine_server", "run", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", str(workers), *args),
        env=environ,
        stderr=asyncio.subprocess.PIPE,
    )
    return proc, port


async def stop_command(
    proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM, within: float = 60.0
) -> tuple[float, str]:
    """Signal the command; (seconds until it exited, its log). The log is read
    meanwhile, and the time is the process's own: multiprocessing's helper
    process holds the log pipe open a while longer, on a busy machine."""
    log = asyncio.ensure_future(proc.stderr.read()) if proc.stderr else None
    if proc.returncode is None:
        proc.send_signal(sig)
    signalled = time.monotonic()
    try:
        await asyncio.wait_for(proc.wait(), timeout=within)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    took = time.monotonic() - signalled
    text = (await asyncio.wait_for(log, timeout=within)).decode() if log else ""
    return took, text


# -- building a small catalog through the API -------------------------------


async def make_store(stub: Any, currency: str = "BRL") -> Any:
    slug = unique("store")
    response = await stub.CreateStore(
        api.CreateStoreRequest(
            store=dict(
                slug=slug,
                name=f"Loja {slug}",
                country_code="BR",
                currency_code=currency,
                url=f"https://{slug}.example.com.br",
            )
        )
    )
    return response.store


async def make_category(stub: Any, parent_id: int = 0, name: str = "Categoria") -> Any:
    response = await stub.CreateCategory(
        api.CreateCategoryRequest(category=dict(slug=unique("cat"), name=name, parent_id=parent_id))
    )
    return response.category


async def make_product(stub: Any, category_id: int, **fields: Any) -> Any:
    fields.setdefault("slug", unique("prod"))
    fields.setdefault("name", "Produto de teste")
    response = await stub.CreateProduct(
        api.CreateProductRequest(product=dict(category_id=category_id, **fields))
    )
    return response.product


def brl(amount: int) -> dict[str, Any]:
    return {"currency_code": "BRL", "amount_minor": amount}


async def make_offer(
    stub: Any,
    product_id: int,
    store_id: int,
    price: int,
    *,
    in_stock: bool = True,
    original: int | None = None,
    external_id: str | None = None,
    observed: Any = None,
) -> Any:
    offer = dict(
        product_id=product_id,
        store_id=store_id,
        external_id=external_id or unique("sku"),
        url="https://loja.example.com.br/p",
        price=brl(price),
        in_stock=in_stock,
    )
    if original is not None:
        offer["original_price"] = brl(original)
    if observed is not None:
        offer["observed_time"] = observed
    response = await stub.UpsertOffers(api.UpsertOffersRequest(offers=[offer]))
    return response.offers[0]


# -- error details ----------------------------------------------------------


def details(err: grpc.aio.AioRpcError) -> dict[str, Any]:
    """The google.rpc details of a failed call, by type name."""
    out: dict[str, Any] = {}
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for any_ in status.details:
                for cls in (
                    error_details_pb2.ErrorInfo,
                    error_details_pb2.BadRequest,
                    error_details_pb2.ResourceInfo,
                    error_details_pb2.RetryInfo,
                    error_details_pb2.QuotaFailure,
                    error_details_pb2.RequestInfo,
                ):
                    if any_.Is(cls.DESCRIPTOR):
                        msg = cls()
                        any_.Unpack(msg)
                        out[cls.DESCRIPTOR.name] = msg
    return out


async def expect_error(call: Any, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    try:
        await call
    except grpc.aio.AioRpcError as err:
        assert err.code() == code, f"expected {code}, got {err.code()}: {err.details()}"
        found = details(err)
        assert "ErrorInfo" in found, "every error carries an ErrorInfo"
        assert found["RequestInfo"].request_id, "every error carries a request id (AIP-193)"
        return err
    raise AssertionError(f"expected {code}, but the call succeeded")


def violated_fields(err: grpc.aio.AioRpcError) -> set[str]:
    return {v.field for v in details(err)["BadRequest"].field_violations}


async def table_counts(pool: asyncpg.Pool, *tables: str) -> dict[str, int]:
    counts = {}
    for table in tables:
        # Table names come from the test code, never from input.
        counts[table] = await pool.fetchval(f"SELECT count(*) FROM {table}")
    return counts


async def eventually(check: Any, within: float = 5.0) -> None:
    """Poll an async predicate until it holds (for background recovery)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition did not hold in time")
        await asyncio.sleep(0.1)


# price_point_months (migrations/0014) rebuilt from price_points, compared
# with what the triggers kept: the months that differ, either way. A month
# may be kept as several chunks (0019): what it holds is their columns
# concatenated in first_at order, and its first_at their first.
_MONTHS_REBUILT = """
SELECT offer_id, date_trunc('month', valid_from, 'UTC') AS month, min(valid_from) AS first_at,
       string_agg(int8send((extract(epoch FROM valid_from) * 1000000)::bigint), ''::bytea
                  ORDER BY valid_from) AS times,
       string_agg(int8send(price_minor), ''::bytea ORDER BY valid_from) AS prices,
       string_agg(int8send(coalesce(original_price_minor, 0)), ''::bytea
                  ORDER BY valid_from) AS originals,
       string_agg(CASE WHEN in_stock THEN '\\x01'::bytea ELSE '\\x00'::bytea END, ''::bytea
                  ORDER BY valid_from) AS stock
  FROM price_points {where}
 GROUP BY 1, 2
"""
_MONTHS_KEPT = """
SELECT offer_id, month, min(first_at) AS first_at,
       string_agg(times, ''::bytea ORDER BY first_at) AS times,
       string_agg(prices, ''::bytea ORDER BY first_at) AS prices,
       string_agg(originals, ''::bytea ORDER BY first_at) AS originals,
       string_agg(stock, ''::bytea ORDER BY first_at) AS stock
  FROM price_point_months {where}
 GROUP BY 1, 2
"""


async def price_point_months_drift(db: Any, offer_ids: list[int] | None = None) -> int:
    """How many months of price_point_months differ from a rebuild from
    price_points (of the offers given, or all): 0 when the read model is exact."""
    where = "WHERE offer_id = ANY($1::bigint[])" if offer_ids is not None else ""
    kept = _MONTHS_KEPT.format(where=where)
    rebuilt = _MONTHS_REBUILT.format(where=where)
    query = (
        f"SELECT (SELECT count(*) FROM ({rebuilt} EXCEPT {kept}) a)"
        f" + (SELECT count(*) FROM ({kept} EXCEPT {rebuilt}) b)"
    )
    args = [offer_ids] if offer_ids is not None else []
    return int(await db.fetchval(query, *args))
