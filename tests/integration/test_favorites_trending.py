"""Favorites (PostgreSQL + Redis set mirror) and trending (Redis sorted sets)."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.catalog.v1 import catalog_service_pb2 as api

from tests.support import (
    expect_error,
    make_category,
    make_product,
    table_counts,
    unique,
    violated_fields,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
VIEW, FAVORITE, CLICK = (
    api.PRODUCT_EVENT_KIND_VIEW,
    api.PRODUCT_EVENT_KIND_FAVORITE,
    api.PRODUCT_EVENT_KIND_CLICK_OUT,
)


async def test_favorites_round_trip(catalog):
    user = unique("user")
    category = await make_category(catalog)
    products = [await make_product(catalog, category.id) for _ in range(5)]
    for p in products:
        await catalog.AddFavorite(api.AddFavoriteRequest(user_id=user, product_id=p.id))
    again = await catalog.AddFavorite(
        api.AddFavoriteRequest(user_id=user, product_id=products[0].id)
    )
    first_time = again.favorite.create_time
    request = api.ListFavoritesRequest(user_id=user, page_size=2)
    listed = []
    while True:
        response = await catalog.ListFavorites(request)
        listed += list(response.favorites)
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    assert [f.product_id for f in listed] == [p.id for p in reversed(products)]
    assert listed[-1].create_time == first_time  # re-adding kept the first time
    assert all(f.product.id == f.product_id for f in listed)

    ids = [p.id for p in products] + [987_654_321]
    checked = await catalog.CheckFavorites(api.CheckFavoritesRequest(user_id=user, product_ids=ids))
    assert list(checked.favorite_product_ids) == [p.id for p in products]
    removed = await catalog.RemoveFavorite(
        api.RemoveFavoriteRequest(user_id=user, product_id=products[1].id)
    )
    assert removed.removed
    again = await catalog.RemoveFavorite(
        api.RemoveFavoriteRequest(user_id=user, product_id=products[1].id)
    )
    assert not again.removed
    # The mirror follows the write at once.
    checked = await catalog.CheckFavorites(api.CheckFavoritesRequest(user_id=user, product_ids=ids))
    assert products[1].id not in checked.favorite_product_ids
    assert len(checked.favorite_product_ids) == 4


async def test_favorites_errors(catalog, db):
    before = await table_counts(db, "favorites")
    await expect_error(
        catalog.AddFavorite(api.AddFavoriteRequest(user_id="u", product_id=987_654_321)),
        grpc.StatusCode.NOT_FOUND,
    )
    err = await expect_error(
        catalog.AddFavorite(api.AddFavoriteRequest(user_id="", product_id=0)), INVALID
    )
    assert violated_fields(err) == {"user_id", "product_id"}
    category = await make_category(catalog)
    p = await make_product(catalog, category.id)
    await catalog.DeleteProduct(api.DeleteProductRequest(id=p.id))
    await expect_error(
        catalog.AddFavorite(api.AddFavoriteRequest(user_id="u", product_id=p.id)),
        grpc.StatusCode.NOT_FOUND,
    )
    assert await table_counts(db, "favorites") == before
    await expect_error(
        catalog.RemoveFavorite(api.RemoveFavoriteRequest(user_id="x" * 129, product_id=1)), INVALID
    )
    await expect_error(catalog.ListFavorites(api.ListFavoritesRequest(user_id="")), INVALID)
    await expect_error(
        catalog.ListFavorites(api.ListFavoritesRequest(user_id="u", page_token="bad")), INVALID
    )
    await expect_error(catalog.CheckFavorites(api.CheckFavoritesRequest(user_id="u")), INVALID)


async def test_trending_overall_and_per_category(catalog):
    root = await make_category(catalog)
    child = await make_category(catalog, parent_id=root.id)
    other = await make_category(catalog)
    hot = await make_product(catalog, child.id, name="Hot")
    warm = await make_product(catalog, child.id, name="Warm")
    elsewhere = await make_product(catalog, other.id, name="Elsewhere")
    response = await catalog.RecordProductEvents(
        api.RecordProductEventsRequest(
            events=[
                dict(product_id=hot.id, kind=VIEW, count=100),
                dict(product_id=hot.id, kind=FAVORITE, count=10),
                dict(product_id=warm.id, kind=CLICK, count=50),
                dict(product_id=elsewhere.id, kind=VIEW, count=1000),
                dict(product_id=987_654_321, kind=VIEW),
            ]
        )
    )
    assert (response.recorded_count, response.skipped_count) == (4, 1)
    in_root = await catalog.ListTrending(api.ListTrendingRequest(category_id=root.id))
    assert [t.product.id for t in in_root.products] == [hot.id, warm.id]
    assert abs(in_root.products[0].score - 35.0) < 0.01  # 100*0.3 + 10*0.5, decayed for ~0 s
    overall = await catalog.ListTrending(api.ListTrendingRequest(limit=100))
    ids = [t.product.id for t in overall.products]
    assert ids.index(elsewhere.id) < ids.index(hot.id) < ids.index(warm.id)


async def test_trending_decays_old_events(catalog):
    category = await make_category(catalog)
    old = await make_product(catalog, category.id)
    new = await make_product(catalog, category.id)
    ts = Timestamp()
    ts.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(hours=12))  # two half-lives ago
    await catalog.RecordProductEvents(
        api.RecordProductEventsRequest(
            events=[
                dict(product_id=old.id, kind=VIEW, count=100, occurred_time=ts),
                dict(product_id=new.id, kind=VIEW, count=40),
            ]
        )
    )
    ranked = await catalog.ListTrending(api.ListTrendingRequest(category_id=category.id))
    assert [t.product.id for t in ranked.products] == [new.id, old.id]
    assert abs(ranked.products[1].score - 7.5) < 0.05  # 30 / 2^2


async def test_trending_errors(catalog):
    future = Timestamp()
    future.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    err = await expect_error(
        catalog.RecordProductEvents(
            api.RecordProductEventsRequest(
                events=[
                    dict(product_id=0, kind=VIEW),
                    dict(product_id=1, kind=0),
                    dict(product_id=1, kind=VIEW, count=-1),
                    dict(product_id=1, kind=VIEW, occurred_time=future),
                ]
            )
        ),
        INVALID,
    )
    assert violated_fields(err) == {
        "events[0].product_id",
        "events[1].kind",
        "events[2].count",
        "events[3].occurred_time",
    }
    await expect_error(catalog.RecordProductEvents(api.RecordProductEventsRequest()), INVALID)
    await expect_error(catalog.ListTrending(api.ListTrendingRequest(limit=101)), INVALID)
    await expect_error(catalog.ListTrending(api.ListTrendingRequest(category_id=-1)), INVALID)
