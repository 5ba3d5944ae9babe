"""CatalogService over gRPC: protobuf in, a call into the services, protobuf out.

Errors are not handled here: domain exceptions travel to rpc/handlers.py,
which maps them to statuses once for every service.
"""

from __future__ import annotations

from typing import Any

from vitrine.catalog.v1 import catalog_service_pb2 as api

from vitrine_server.catalog.favorites import FavoriteService
from vitrine_server.catalog.offers import OfferService
from vitrine_server.catalog.products import ProductService
from vitrine_server.catalog.taxonomy import CategoryService, StoreService
from vitrine_server.catalog.trending import TrendingService

Context = Any  # grpc.aio.ServicerContext


class CatalogHandlers:
    def __init__(
        self,
        products: ProductService,
        offers: OfferService,
        categories: CategoryService,
        stores: StoreService,
        favorites: FavoriteService,
        trending: TrendingService,
    ):
        self.products = products
        self.offers = offers
        self.categories = categories
        self.stores = stores
        self.favorites = favorites
        self.trending = trending

    async def GetProduct(self, request: api.GetProductRequest, context: Context) -> bytes:
        return await self.products.get_response(request)

    async def BatchGetProducts(
        self, request: api.BatchGetProductsRequest, context: Context
    ) -> bytes:
        return await self.products.batch_get_response(request)

    async def ListProducts(
        self, request: api.ListProductsRequest, context: Context
    ) -> api.ListProductsResponse:
        return await self.products.list_products(request)

    async def CreateProduct(
        self, request: api.CreateProductRequest, context: Context
    ) -> api.CreateProductResponse:
        return api.CreateProductResponse(product=await self.products.create(request))

    async def UpdateProduct(
        self, request: api.UpdateProductRequest, context: Context
    ) -> api.UpdateProductResponse:
        return api.UpdateProductResponse(product=await self.products.update(request))

    async def DeleteProduct(
        self, request: api.DeleteProductRequest, context: Context
    ) -> api.DeleteProductResponse:
        return api.DeleteProductResponse(product=await self.products.delete(request))

    async def UndeleteProduct(
        self, request: api.UndeleteProductRequest, context: Context
    ) -> api.UndeleteProductResponse:
        return api.UndeleteProductResponse(product=await self.products.undelete(request))

    async def ListOffers(
        self, request: api.ListOffersRequest, context: Context
    ) -> api.ListOffersResponse:
        return await self.offers.list_offers(request)

    async def UpsertOffers(
        self, request: api.UpsertOffersRequest, context: Context
    ) -> api.UpsertOffersResponse:
        return await self.offers.upsert(request)

    async def CreateCategory(
        self, request: api.CreateCategoryRequest, context: Context
    ) -> api.CreateCategoryResponse:
        return api.CreateCategoryResponse(category=await self.categories.create(request))

    async def GetCategory(
        self, request: api.GetCategoryRequest, context: Context
    ) -> api.GetCategoryResponse:
        return api.GetCategoryResponse(category=await self.categories.get(request))

    async def ListCategories(
        self, request: api.ListCategoriesRequest, context: Context
    ) -> api.ListCategoriesResponse:
        return await self.categories.tree(request)

    async def CreateStore(
        self, request: api.CreateStoreRequest, context: Context
    ) -> api.CreateStoreResponse:
        return api.CreateStoreResponse(store=await self.stores.create(request))

    async def GetStore(
        self, request: api.GetStoreRequest, context: Context
    ) -> api.GetStoreResponse:
        return api.GetStoreResponse(store=await self.stores.get(request))

    async def ListStores(
        self, request: api.ListStoresRequest, context: Context
    ) -> api.ListStoresResponse:
        return await self.stores.list_stores(request)

    async def AddFavorite(
        self, request: api.AddFavoriteRequest, context: Context
    ) -> api.AddFavoriteResponse:
        return api.AddFavoriteResponse(favorite=await self.favorites.add(request))

    async def RemoveFavorite(
        self, request: api.RemoveFavoriteRequest, context: Context
    ) -> api.RemoveFavoriteResponse:
        return api.RemoveFavoriteResponse(removed=await self.favorites.remove(request))

    async def ListFavorites(
        self, request: api.ListFavoritesRequest, context: Context
    ) -> api.ListFavoritesResponse:
        return await self.favorites.list_favorites(request)

    async def CheckFavorites(
        self, request: api.CheckFavoritesRequest, context: Context
    ) -> api.CheckFavoritesResponse:
        return api.CheckFavoritesResponse(favorite_product_ids=await self.favorites.check(request))

    async def RecordProductEvents(
        self, request: api.RecordProductEventsRequest, context: Context
    ) -> api.RecordProductEventsResponse:
        return await self.trending.record(request)

    async def ListTrending(
        self, request: api.ListTrendingRequest, context: Context
    ) -> api.ListTrendingResponse:
        return await self.trending.list_trending(request)
