"""CatalogService over gRPC: each method checks its request into model
values (validate.py), asks the service, and turns the answer into protobuf
(convert.py). GetProduct and BatchGetProducts answer with hand-built bytes
(fastpath.py).

Errors are not handled here: domain exceptions travel to rpc/handlers.py,
which maps them to statuses once for every service.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.catalog.v1 import catalog_service_pb2_grpc

from vitrine_server import errors
from vitrine_server.catalog import convert, validate
from vitrine_server.catalog.fastpath import ProductBytes
from vitrine_server.catalog.favorites import FavoriteService
from vitrine_server.catalog.service import (
    CategoryService,
    OfferService,
    ProductService,
    StoreService,
)
from vitrine_server.catalog.trending import TrendingService
from vitrine_server.rpc import paging

Context = grpc.aio.ServicerContext


class CatalogHandlers(catalog_service_pb2_grpc.CatalogServiceServicer):
    def __init__(
        self,
        products: ProductService,
        offers: OfferService,
        categories: CategoryService,
        stores: StoreService,
        favorites: FavoriteService,
        trending: TrendingService,
        tokens: paging.PageTokens,
    ):
        self.products = products
        self.product_bytes = ProductBytes(products)
        self.offers = offers
        self.categories = categories
        self.stores = stores
        self.favorites = favorites
        self.trending = trending
        self.tokens = tokens

    async def GetProduct(self, request: api.GetProductRequest, context: Context) -> bytes:  # type: ignore[override]
        return await self.product_bytes.get_product(request)

    async def BatchGetProducts(  # type: ignore[override]
        self, request: api.BatchGetProductsRequest, context: Context
    ) -> bytes:
        return await self.product_bytes.batch_get_products(request)

    async def ListProducts(
        self, request: api.ListProductsRequest, context: Context
    ) -> api.ListProductsResponse:
        query = validate.list_query(request)
        cursor = await self.tokens.decode(request, validate.PRODUCT_CURSORS[query.order])
        if cursor is not None:
            query = replace(query, after=(cursor[0], cursor[1]))
        entries, next_cursor = await self.products.page(query)
        response = api.ListProductsResponse(
            products=[convert.product_from_entry(entry) for entry in entries]
        )
        if next_cursor is not None:
            response.next_page_token = await self.tokens.encode(request, next_cursor)
        return response

    async def CreateProduct(
        self, request: api.CreateProductRequest, context: Context
    ) -> api.CreateProductResponse:
        entry = await self.products.create(validate.new_product(request))
        return api.CreateProductResponse(product=convert.product_from_entry(entry))

    async def UpdateProduct(
        self, request: api.UpdateProductRequest, context: Context
    ) -> api.UpdateProductResponse:
        entry = await self.products.update(validate.product_change(request))
        return api.UpdateProductResponse(product=convert.product_from_entry(entry))

    async def DeleteProduct(
        self, request: api.DeleteProductRequest, context: Context
    ) -> api.DeleteProductResponse:
        entry = await self.products.delete(*validate.product_delete(request))
        return api.DeleteProductResponse(product=convert.product_from_entry(entry))

    async def UndeleteProduct(
        self, request: api.UndeleteProductRequest, context: Context
    ) -> api.UndeleteProductResponse:
        entry = await self.products.undelete(validate.positive_id("id", request.id))
        return api.UndeleteProductResponse(product=convert.product_from_entry(entry))

    async def ListOffers(
        self, request: api.ListOffersRequest, context: Context
    ) -> api.ListOffersResponse:
        query = validate.offer_list(request)
        cursor = await self.tokens.decode(request, validate.OFFER_CURSOR)
        if cursor is not None:
            query = replace(query, after=(cursor[0], cursor[1], cursor[2]))
        rows, next_cursor = await self.offers.page(query)
        response = api.ListOffersResponse(offers=[convert.offer(r) for r in rows])
        if next_cursor is not None:
            response.next_page_token = await self.tokens.encode(request, next_cursor)
        return response

    async def UpsertOffers(
        self, request: api.UpsertOffersRequest, context: Context
    ) -> api.UpsertOffersResponse:
        now = datetime.now(UTC)
        max_age = validate.MAX_OBSERVATION_AGE
        if any(o.HasField("observed_time") for o in request.offers):
            max_age = await self.offers.observation_horizon(now, max_age)
        rows = await self.offers.upsert(validate.offer_inputs(request, now, max_age))
        return api.UpsertOffersResponse(offers=[convert.offer(r) for r in rows])

    async def CreateCategory(
        self, request: api.CreateCategoryRequest, context: Context
    ) -> api.CreateCategoryResponse:
        row = await self.categories.create(validate.new_category(request))
        return api.CreateCategoryResponse(category=convert.category(row))

    async def GetCategory(
        self, request: api.GetCategoryRequest, context: Context
    ) -> api.GetCategoryResponse:
        entry = await self.categories.get(validate.positive_id("id", request.id))
        return api.GetCategoryResponse(category=convert.category_from_entry(entry))

    async def ListCategories(
        self, request: api.ListCategoriesRequest, context: Context
    ) -> api.ListCategoriesResponse:
        root_id = validate.optional_id("root_id", request.root_id, "the whole tree")
        tree = convert.category_subtree(await self.categories.tree(), root_id)
        if tree is None:
            raise errors.NotFound("category", str(root_id))
        return tree

    async def CreateStore(
        self, request: api.CreateStoreRequest, context: Context
    ) -> api.CreateStoreResponse:
        row = await self.stores.create(validate.new_store(request))
        return api.CreateStoreResponse(store=convert.store(row))

    async def GetStore(
        self, request: api.GetStoreRequest, context: Context
    ) -> api.GetStoreResponse:
        entry = await self.stores.get(validate.positive_id("id", request.id))
        return api.GetStoreResponse(store=convert.store_from_entry(entry))

    async def ListStores(
        self, request: api.ListStoresRequest, context: Context
    ) -> api.ListStoresResponse:
        size = paging.page_size(request.page_size)
        cursor = await self.tokens.decode(request, (paging.TEXT,))  # the last slug served
        rows, last_slug = await self.stores.page(cursor[0] if cursor is not None else None, size)
        response = api.ListStoresResponse(stores=[convert.store(r) for r in rows])
        if last_slug is not None:
            response.next_page_token = await self.tokens.encode(request, [last_slug])
        return response

    async def AddFavorite(
        self, request: api.AddFavoriteRequest, context: Context
    ) -> api.AddFavoriteResponse:
        ref = validate.favorite(request)
        created = await self.favorites.add(ref)
        favorite = convert.favorite(ref.user_id, ref.product_id, created)
        return api.AddFavoriteResponse(favorite=favorite)

    async def RemoveFavorite(
        self, request: api.RemoveFavoriteRequest, context: Context
    ) -> api.RemoveFavoriteResponse:
        removed = await self.favorites.remove(validate.favorite(request))
        return api.RemoveFavoriteResponse(removed=removed)

    async def ListFavorites(
        self, request: api.ListFavoritesRequest, context: Context
    ) -> api.ListFavoritesResponse:
        query = validate.favorite_list(request)
        cursor = await self.tokens.decode(request, validate.FAVORITE_CURSOR)
        if cursor is not None:
            query = replace(query, after=(cursor[0], cursor[1]))
        favorites, next_cursor = await self.favorites.page(query)
        response = convert.favorites(query.user_id, favorites)
        if next_cursor is not None:
            response.next_page_token = await self.tokens.encode(request, next_cursor)
        return response

    async def CheckFavorites(
        self, request: api.CheckFavoritesRequest, context: Context
    ) -> api.CheckFavoritesResponse:
        favored = await self.favorites.check(validate.favorite_check(request))
        return api.CheckFavoritesResponse(favorite_product_ids=favored)

    async def RecordProductEvents(
        self, request: api.RecordProductEventsRequest, context: Context
    ) -> api.RecordProductEventsResponse:
        counted = await self.trending.record(validate.product_events(request))
        return api.RecordProductEventsResponse(
            recorded_count=counted.recorded, skipped_count=counted.skipped
        )

    async def ListTrending(
        self, request: api.ListTrendingRequest, context: Context
    ) -> api.ListTrendingResponse:
        return convert.trending(await self.trending.top(validate.trending_query(request)))
