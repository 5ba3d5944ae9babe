"""Products through a real channel: every RPC's happy path and bad input."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import field_mask_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    details,
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    table_counts,
    unique,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_create_then_get(catalog):
    category = await make_category(catalog)
    created = await make_product(
        catalog,
        category.id,
        name="Geladeira Brastemp Frost Free 375L",
        brand="Brastemp",
        rating=4.7,
        review_count=120,
        attributes={"cor": "inox"},
        description="Duplex",
    )
    assert created.id > 0 and created.etag
    assert created.currency_code == "BRL"
    assert not created.HasField("best_offer")
    got = (await catalog.GetProduct(api.GetProductRequest(id=created.id))).product
    assert got == created
    assert got.attributes["cor"] == "inox"
    assert abs(got.rating - 4.7) < 1e-9


async def test_create_rejects_bad_fields_and_writes_nothing(catalog, db):
    before = await table_counts(db, "products")
    err = await expect_error(
        catalog.CreateProduct(
            api.CreateProductRequest(
                product=dict(
                    slug="Not A Slug",
                    name="",
                    rating=7.5,
                    review_count=-1,
                    image_url="ftp://x",
                    currency_code="reais",
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) >= {
        "product.slug",
        "product.name",
        "product.rating",
        "product.review_count",
        "product.image_url",
        "product.currency_code",
        "product.category_id",
    }
    assert await table_counts(db, "products") == before


async def test_create_with_unknown_category_or_taken_slug(catalog):
    await expect_error(
        catalog.CreateProduct(
            api.CreateProductRequest(product=dict(slug=unique(), name="x", category_id=999_999))
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    category = await make_category(catalog)
    product = await make_product(catalog, category.id)
    err = await expect_error(
        catalog.CreateProduct(
            api.CreateProductRequest(
                product=dict(slug=product.slug, name="y", category_id=category.id)
            )
        ),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert details(err)["ResourceInfo"].resource_name == product.slug


async def test_get_missing_and_bad_id(catalog):
    err = await expect_error(
        catalog.GetProduct(api.GetProductRequest(id=987_654_321)), grpc.StatusCode.NOT_FOUND
    )
    info = details(err)
    assert info["ErrorInfo"].reason == "PRODUCT_NOT_FOUND"
    assert info["ResourceInfo"].resource_type == "product"
    err = await expect_error(catalog.GetProduct(api.GetProductRequest(id=0)), INVALID)
    assert violated_fields(err) == {"id"}


async def test_update_with_mask_and_read_after_write(catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="Antes", brand="LG")
    # Warm the cache, then write, then read: the new value, never the cached one.
    await catalog.GetProduct(api.GetProductRequest(id=product.id))
    await catalog.GetProduct(api.GetProductRequest(id=product.id))
    updated = (
        await catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=product.id, name="Depois", brand="ignored"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            )
        )
    ).product
    assert updated.name == "Depois" and updated.brand == "LG"
    assert updated.etag != product.etag
    for _ in range(3):
        got = (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product
        assert got.name == "Depois"


async def test_update_rejects_unknown_mask_path_and_bad_values(catalog, db):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="Fixo")
    err = await expect_error(
        catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=product.id, name="", rating=9),
                update_mask=field_mask_pb2.FieldMask(paths=["name", "rating", "best_offer"]),
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {"update_mask", "product.name", "product.rating"}
    got = (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product
    assert got == product


async def test_update_missing_product_is_not_found(catalog):
    await expect_error(
        catalog.UpdateProduct(
            api.UpdateProductRequest(
                product=dict(id=987_654_321, name="x"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            )
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_concurrent_updates_with_same_etag_exactly_one_wins(catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id, name="Original")

    async def update(name: str):
        try:
            return await catalog.UpdateProduct(
                api.UpdateProductRequest(
                    product=dict(id=product.id, name=name, etag=product.etag),
                    update_mask=field_mask_pb2.FieldMask(paths=["name"]),
                )
            )
        except grpc.aio.AioRpcError as err:
            return err

    results = await asyncio.gather(*(update(f"Writer {i}") for i in range(8)))
    wins = [r for r in results if not isinstance(r, grpc.aio.AioRpcError)]
    losses = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(wins) == 1
    assert all(e.code() == grpc.StatusCode.ABORTED for e in losses)
    assert all(details(e)["ErrorInfo"].reason == "ETAG_MISMATCH" for e in losses)
    final = (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product
    assert final.name == wins[0].product.name


async def test_bad_etag_is_invalid(catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id)
    err = await expect_error(
        catalog.DeleteProduct(api.DeleteProductRequest(id=product.id, etag="garbage")), INVALID
    )
    assert violated_fields(err) == {"etag"}


async def test_soft_delete_show_deleted_and_undelete(catalog):
    category = await make_category(catalog)
    product = await make_product(catalog, category.id)
    await catalog.GetProduct(api.GetProductRequest(id=product.id))  # cached as live
    deleted = (await catalog.DeleteProduct(api.DeleteProductRequest(id=product.id))).product
    assert deleted.HasField("delete_time")
    await expect_error(
        catalog.GetProduct(api.GetProductRequest(id=product.id)), grpc.StatusCode.NOT_FOUND
    )
    shown = (
        await catalog.GetProduct(api.GetProductRequest(id=product.id, show_deleted=True))
    ).product
    assert shown.HasField("delete_time")
    # Deleting twice: NOT_FOUND; a stale etag on a live product: ABORTED.
    await expect_error(
        catalog.DeleteProduct(api.DeleteProductRequest(id=product.id)), grpc.StatusCode.NOT_FOUND
    )
    restored = (await catalog.UndeleteProduct(api.UndeleteProductRequest(id=product.id))).product
    assert not restored.HasField("delete_time")
    await expect_error(
        catalog.UndeleteProduct(api.UndeleteProductRequest(id=product.id)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await expect_error(
        catalog.DeleteProduct(api.DeleteProductRequest(id=product.id, etag=product.etag)),
        grpc.StatusCode.ABORTED,
    )
    assert (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product.id == product.id


async def test_undelete_missing_and_bad_id(catalog):
    await expect_error(
        catalog.UndeleteProduct(api.UndeleteProductRequest(id=987_654_321)),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(catalog.UndeleteProduct(api.UndeleteProductRequest(id=-1)), INVALID)
    await expect_error(catalog.DeleteProduct(api.DeleteProductRequest(id=0)), INVALID)


async def test_batch_get_keeps_order_and_reports_missing(catalog):
    category = await make_category(catalog)
    a = await make_product(catalog, category.id, name="A")
    b = await make_product(catalog, category.id, name="B")
    c = await make_product(catalog, category.id, name="C")
    await catalog.DeleteProduct(api.DeleteProductRequest(id=c.id))
    ids = [b.id, 987_654_321, a.id, c.id, b.id]
    response = await catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=ids))
    assert [p.id for p in response.products] == [b.id, a.id, b.id]
    assert list(response.not_found_ids) == [987_654_321, c.id]
    # Warm now: the same answer from the cache.
    again = await catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=ids))
    assert again == response
    shown = await catalog.BatchGetProducts(
        api.BatchGetProductsRequest(ids=[c.id], show_deleted=True)
    )
    assert [p.id for p in shown.products] == [c.id]


async def test_batch_get_bad_input(catalog):
    err = await expect_error(catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=[])), INVALID)
    assert violated_fields(err) == {"ids"}
    await expect_error(
        catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=list(range(1, 1002)))), INVALID
    )
    err = await expect_error(
        catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=[1, -5])), INVALID
    )
    assert violated_fields(err) == {"ids[1]"}


async def test_batch_get_a_thousand(catalog, db):
    category = await make_category(catalog)
    ids = [(await make_product(catalog, category.id)).id for _ in range(20)]
    wanted = (ids * 50)[:1000]
    response = await catalog.BatchGetProducts(api.BatchGetProductsRequest(ids=wanted))
    assert [p.id for p in response.products] == wanted


async def test_best_offer_is_denormalised_on_the_product(catalog):
    category = await make_category(catalog)
    store_a, store_b = await make_store(catalog), await make_store(catalog)
    product = await make_product(catalog, category.id)
    await catalog.GetProduct(api.GetProductRequest(id=product.id))  # cache it without offers
    await make_offer(catalog, product.id, store_a.id, 5000, original=6000)
    await make_offer(catalog, product.id, store_b.id, 4500, in_stock=False)
    best = (await catalog.GetProduct(api.GetProductRequest(id=product.id))).product.best_offer
    # The cheaper offer is out of stock: the best is the cheapest in stock.
    assert best.store_id == store_a.id and best.price.amount_minor == 5000
    assert best.discount_bps == 1666 and best.in_stock and best.offer_count == 2
