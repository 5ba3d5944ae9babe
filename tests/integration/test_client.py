"""The shipped client: its service config parses and its stubs reach the server."""

from __future__ import annotations

from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_client import aio_connect, service_config

from tests.support import make_category, make_product


def test_service_config_retries_unavailable_only():
    config = service_config()
    policies = [m["retryPolicy"] for m in config["methodConfig"] if "retryPolicy" in m]
    assert policies and all(p["retryableStatusCodes"] == ["UNAVAILABLE"] for p in policies)
    names = {n.get("method") for m in config["methodConfig"] for n in m["name"]}
    # Create/Update/Delete are not blindly retried: they are not idempotent.
    assert not names & {"CreateProduct", "UpdateProduct", "DeleteProduct"}


async def test_aio_client_calls_the_server(env, catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="Pelo cliente")
    key = env.settings.bootstrap_admin_key
    async with aio_connect(f"127.0.0.1:{env.server.port}", api_key=key) as vitrine:
        got = await vitrine.catalog.GetProduct(api.GetProductRequest(id=product.id))
        assert got.product.name == "Pelo cliente"
