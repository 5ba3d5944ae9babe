"""Categories (a tree) and stores."""

from __future__ import annotations

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    expect_error,
    make_category,
    make_store,
    table_counts,
    unique,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_category_tree(catalog):
    root = await make_category(catalog, name="Casa")
    b = await make_category(catalog, parent_id=root.id, name="Móveis")
    a = await make_category(catalog, parent_id=root.id, name="Cama Mesa e Banho")
    leaf = await make_category(catalog, parent_id=b.id, name="Sofás")
    assert list(leaf.path) == [root.id, b.id, leaf.id]
    got = (await catalog.GetCategory(api.GetCategoryRequest(id=leaf.id))).category
    assert got == leaf
    sub = await catalog.ListCategories(api.ListCategoriesRequest(root_id=root.id))
    (node,) = sub.roots
    assert node.category.id == root.id
    assert [c.category.id for c in node.children] == [a.id, b.id]  # by name
    assert [c.category.id for c in node.children[1].children] == [leaf.id]
    whole = await catalog.ListCategories(api.ListCategoriesRequest())
    assert root.id in {n.category.id for n in whole.roots}
    # A new category shows up in the (cached) tree at once.
    newer = await make_category(catalog, parent_id=leaf.id, name="Sofá-cama")
    sub = await catalog.ListCategories(api.ListCategoriesRequest(root_id=leaf.id))
    assert [c.category.id for c in sub.roots[0].children] == [newer.id]


async def test_category_errors(catalog, db):
    before = await table_counts(db, "categories")
    err = await expect_error(
        catalog.CreateCategory(
            api.CreateCategoryRequest(category=dict(slug="Bad Slug!", name="", parent_id=-1))
        ),
        INVALID,
    )
    assert violated_fields(err) == {"category.slug", "category.name", "category.parent_id"}
    await expect_error(
        catalog.CreateCategory(
            api.CreateCategoryRequest(category=dict(slug=unique(), name="x", parent_id=987_654))
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    existing = await make_category(catalog)
    await expect_error(
        catalog.CreateCategory(
            api.CreateCategoryRequest(category=dict(slug=existing.slug, name="x"))
        ),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert await table_counts(db, "categories") == {"categories": before["categories"] + 1}
    await expect_error(
        catalog.GetCategory(api.GetCategoryRequest(id=987_654)), grpc.StatusCode.NOT_FOUND
    )
    await expect_error(catalog.GetCategory(api.GetCategoryRequest(id=0)), INVALID)
    await expect_error(
        catalog.ListCategories(api.ListCategoriesRequest(root_id=987_654)),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(catalog.ListCategories(api.ListCategoriesRequest(root_id=-2)), INVALID)


async def test_stores(catalog):
    made = [await make_store(catalog) for _ in range(3)]
    got = (await catalog.GetStore(api.GetStoreRequest(id=made[0].id))).store
    assert got == made[0]
    request = api.ListStoresRequest(page_size=2)
    slugs = []
    while True:
        response = await catalog.ListStores(request)
        slugs += [s.slug for s in response.stores]
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    assert slugs == sorted(slugs)
    assert {s.slug for s in made} <= set(slugs)


async def test_store_errors(catalog, db):
    before = await table_counts(db, "stores")
    err = await expect_error(
        catalog.CreateStore(
            api.CreateStoreRequest(
                store=dict(
                    slug="",
                    name="x" * 201,
                    country_code="Brasil",
                    currency_code="real",
                    url="javascript:alert(1)",
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "store.slug",
        "store.name",
        "store.country_code",
        "store.currency_code",
        "store.url",
    }
    existing = await make_store(catalog)
    await expect_error(
        catalog.CreateStore(
            api.CreateStoreRequest(
                store=dict(slug=existing.slug, name="x", country_code="BR", currency_code="BRL")
            )
        ),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert await table_counts(db, "stores") == {"stores": before["stores"] + 1}
    await expect_error(catalog.GetStore(api.GetStoreRequest(id=987_654)), grpc.StatusCode.NOT_FOUND)
    await expect_error(catalog.GetStore(api.GetStoreRequest(id=-1)), INVALID)
    await expect_error(catalog.ListStores(api.ListStoresRequest(page_size=9999)), INVALID)
    await expect_error(catalog.ListStores(api.ListStoresRequest(page_token="zzz")), INVALID)
