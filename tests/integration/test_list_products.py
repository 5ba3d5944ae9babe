"""ListProducts: filters, orders, and keyset pages that stay exact under inserts."""

from __future__ import annotations

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    brl,
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def _all_pages(catalog, request: api.ListProductsRequest) -> list[int]:
    ids: list[int] = []
    while True:
        response = await catalog.ListProducts(request)
        ids += [p.id for p in response.products]
        if not response.next_page_token:
            return ids
        request.page_token = response.next_page_token


async def _priced_catalog(catalog):
    """A root with two children; products with offers at known prices."""
    root = await make_category(catalog, name="Eletrônicos")
    phones = await make_category(catalog, parent_id=root.id, name="Celulares")
    tvs = await make_category(catalog, parent_id=root.id, name="TVs")
    store, other = await make_store(catalog), await make_store(catalog)
    made = {}
    specs = [
        ("p1", phones, "Samsung", 4.5, 150000, True, None, store),
        ("p2", phones, "Apple", 4.9, 500000, True, 550000, store),
        ("p3", phones, "Motorola", 4.1, 90000, False, None, other),
        ("t1", tvs, "LG", 4.6, 300000, True, 400000, other),
        ("t2", tvs, "Samsung", 3.9, 250000, True, None, store),
    ]
    for key, cat, brand, rating, price, stock, original, seller in specs:
        p = await make_product(catalog, cat.id, name=f"{brand} {key}", brand=brand, rating=rating)
        await make_offer(catalog, p.id, seller.id, price, in_stock=stock, original=original)
        made[key] = p.id
    made["bare"] = (await make_product(catalog, tvs.id, name="Sem ofertas", rating=5.0)).id
    return root, phones, tvs, store, other, made


async def test_filters_and_orders(catalog):
    root, phones, _tvs, _store, other, m = await _priced_catalog(catalog)

    def req(**kw) -> api.ListProductsRequest:
        return api.ListProductsRequest(**kw)

    by_price = await _all_pages(
        catalog, req(filter=dict(category_id=root.id), order_by=api.PRODUCT_ORDER_BEST_PRICE)
    )
    assert by_price == [m["p3"], m["p1"], m["t2"], m["t1"], m["p2"], m["bare"]]
    by_rating = await _all_pages(
        catalog, req(filter=dict(category_id=root.id), order_by=api.PRODUCT_ORDER_RATING)
    )
    assert by_rating == [m["bare"], m["p2"], m["t1"], m["p1"], m["p3"], m["t2"]]
    by_discount = await _all_pages(
        catalog, req(filter=dict(category_id=root.id), order_by=api.PRODUCT_ORDER_DISCOUNT)
    )
    assert by_discount[:2] == [m["t1"], m["p2"]]
    newest = await _all_pages(catalog, req(filter=dict(category_id=root.id)))
    assert newest == [m["bare"], m["t2"], m["t1"], m["p3"], m["p2"], m["p1"]]

    assert set(await _all_pages(catalog, req(filter=dict(category_id=phones.id)))) == {
        m["p1"],
        m["p2"],
        m["p3"],
    }
    assert set(
        await _all_pages(catalog, req(filter=dict(category_id=root.id, brands=["samsung"])))
    ) == {m["p1"], m["t2"]}
    assert set(
        await _all_pages(catalog, req(filter=dict(category_id=root.id, store_ids=[other.id])))
    ) == {m["p3"], m["t1"]}
    in_range = await _all_pages(
        catalog,
        req(
            filter=dict(category_id=root.id, min_price=brl(100000), max_price=brl(300000)),
            order_by=api.PRODUCT_ORDER_BEST_PRICE,
        ),
    )
    assert in_range == [m["p1"], m["t2"], m["t1"]]
    in_stock = await _all_pages(
        catalog, req(filter=dict(category_id=phones.id, in_stock_only=True))
    )
    assert set(in_stock) == {m["p1"], m["p2"]}


async def test_critical_query_category_price_range_by_rating(catalog):
    root, _phones, _tvs, _store, _other, m = await _priced_catalog(catalog)
    ids = await _all_pages(
        catalog,
        api.ListProductsRequest(
            filter=dict(category_id=root.id, min_price=brl(100000), max_price=brl(600000)),
            order_by=api.PRODUCT_ORDER_RATING,
        ),
    )
    assert ids == [m["p2"], m["t1"], m["p1"], m["t2"]]


async def test_pages_stay_exact_while_rows_are_inserted(catalog):
    """Keyset tokens: rows inserted between pages neither repeat nor hide others."""
    category = await make_category(catalog)
    store = await make_store(catalog)
    original = []
    for i in range(25):
        p = await make_product(catalog, category.id, rating=round(1 + (i % 40) / 10, 1))
        await make_offer(catalog, p.id, store.id, 1000 + 100 * i)
        original.append(p.id)
    for order in (
        api.PRODUCT_ORDER_BEST_PRICE,
        api.PRODUCT_ORDER_RATING,
        api.PRODUCT_ORDER_NEWEST,
        api.PRODUCT_ORDER_DISCOUNT,
    ):
        request = api.ListProductsRequest(
            page_size=4, filter=dict(category_id=category.id), order_by=order
        )
        seen: list[int] = []
        inserted: list[int] = []
        while True:
            response = await catalog.ListProducts(request)
            seen += [p.id for p in response.products]
            # Insert rows that sort before, among and after the current position.
            for price in (500, 1750, 9000):
                p = await make_product(catalog, category.id, rating=2.5)
                await make_offer(catalog, p.id, store.id, price)
                inserted.append(p.id)
            if not response.next_page_token:
                break
            request.page_token = response.next_page_token
        assert len(seen) == len(set(seen)), f"order {order}: a row was served twice"
        assert set(original) <= set(seen), f"order {order}: a row was skipped"


async def test_page_size_and_token_errors(catalog):
    err = await expect_error(catalog.ListProducts(api.ListProductsRequest(page_size=501)), INVALID)
    assert violated_fields(err) == {"page_size"}
    await expect_error(catalog.ListProducts(api.ListProductsRequest(page_size=-1)), INVALID)
    err = await expect_error(
        catalog.ListProducts(api.ListProductsRequest(page_token="not-a-token")), INVALID
    )
    assert violated_fields(err) == {"page_token"}
    category = await make_category(catalog)
    for _ in range(3):
        await make_product(catalog, category.id)
    first = await catalog.ListProducts(
        api.ListProductsRequest(page_size=1, filter=dict(category_id=category.id))
    )
    assert first.next_page_token
    # A token replayed with another filter or order is refused.
    err = await expect_error(
        catalog.ListProducts(
            api.ListProductsRequest(
                page_size=1,
                page_token=first.next_page_token,
                order_by=api.PRODUCT_ORDER_RATING,
                filter=dict(category_id=category.id),
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {"page_token"}
    # The page size may change between pages.
    rest = await catalog.ListProducts(
        api.ListProductsRequest(
            page_size=5, page_token=first.next_page_token, filter=dict(category_id=category.id)
        )
    )
    assert len(rest.products) == 2 and not rest.next_page_token


async def test_filter_errors(catalog):
    err = await expect_error(
        catalog.ListProducts(
            api.ListProductsRequest(
                filter=dict(
                    category_id=-3,
                    store_ids=[0],
                    min_price=dict(currency_code="BRL", amount_minor=-1),
                    max_price=dict(currency_code="USD", amount_minor=10),
                )
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "filter.category_id",
        "filter.store_ids[0]",
        "filter.min_price.amount_minor",
        "filter.max_price.currency_code",
    }
    err = await expect_error(catalog.ListProducts(api.ListProductsRequest(order_by=42)), INVALID)
    assert violated_fields(err) == {"order_by"}


async def test_default_page_size_and_show_deleted(catalog):
    category = await make_category(catalog)
    ids = [(await make_product(catalog, category.id)).id for _ in range(3)]
    await catalog.DeleteProduct(api.DeleteProductRequest(id=ids[0]))
    live = await _all_pages(catalog, api.ListProductsRequest(filter=dict(category_id=category.id)))
    assert set(live) == set(ids[1:])
    everything = await _all_pages(
        catalog, api.ListProductsRequest(filter=dict(category_id=category.id), show_deleted=True)
    )
    assert set(everything) == set(ids)
