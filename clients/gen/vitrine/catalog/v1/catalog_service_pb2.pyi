import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from vitrine.catalog.v1 import category_pb2 as _category_pb2
from vitrine.catalog.v1 import offer_pb2 as _offer_pb2
from vitrine.catalog.v1 import product_pb2 as _product_pb2
from vitrine.catalog.v1 import store_pb2 as _store_pb2
from vitrine.type.v1 import access_pb2 as _access_pb2
from vitrine.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProductOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_ORDER_UNSPECIFIED: _ClassVar[ProductOrder]
    PRODUCT_ORDER_BEST_PRICE: _ClassVar[ProductOrder]
    PRODUCT_ORDER_RATING: _ClassVar[ProductOrder]
    PRODUCT_ORDER_NEWEST: _ClassVar[ProductOrder]
    PRODUCT_ORDER_DISCOUNT: _ClassVar[ProductOrder]

class ProductEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_EVENT_KIND_UNSPECIFIED: _ClassVar[ProductEventKind]
    PRODUCT_EVENT_KIND_VIEW: _ClassVar[ProductEventKind]
    PRODUCT_EVENT_KIND_FAVORITE: _ClassVar[ProductEventKind]
    PRODUCT_EVENT_KIND_CLICK_OUT: _ClassVar[ProductEventKind]
PRODUCT_ORDER_UNSPECIFIED: ProductOrder
PRODUCT_ORDER_BEST_PRICE: ProductOrder
PRODUCT_ORDER_RATING: ProductOrder
PRODUCT_ORDER_NEWEST: ProductOrder
PRODUCT_ORDER_DISCOUNT: ProductOrder
PRODUCT_EVENT_KIND_UNSPECIFIED: ProductEventKind
PRODUCT_EVENT_KIND_VIEW: ProductEventKind
PRODUCT_EVENT_KIND_FAVORITE: ProductEventKind
PRODUCT_EVENT_KIND_CLICK_OUT: ProductEventKind

class GetProductRequest(_message.Message):
    __slots__ = ("id", "show_deleted", "max_staleness")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    MAX_STALENESS_FIELD_NUMBER: _ClassVar[int]
    id: int
    show_deleted: bool
    max_staleness: _duration_pb2.Duration
    def __init__(self, id: _Optional[int] = ..., show_deleted: _Optional[bool] = ..., max_staleness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class BatchGetProductsRequest(_message.Message):
    __slots__ = ("ids", "show_deleted", "max_staleness")
    IDS_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    MAX_STALENESS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    show_deleted: bool
    max_staleness: _duration_pb2.Duration
    def __init__(self, ids: _Optional[_Iterable[int]] = ..., show_deleted: _Optional[bool] = ..., max_staleness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class BatchGetProductsResponse(_message.Message):
    __slots__ = ("products", "not_found_ids")
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NOT_FOUND_IDS_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[_product_pb2.Product]
    not_found_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, products: _Optional[_Iterable[_Union[_product_pb2.Product, _Mapping]]] = ..., not_found_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ProductFilter(_message.Message):
    __slots__ = ("category_id", "brands", "store_ids", "min_price", "max_price", "in_stock_only")
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    BRANDS_FIELD_NUMBER: _ClassVar[int]
    STORE_IDS_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_ONLY_FIELD_NUMBER: _ClassVar[int]
    category_id: int
    brands: _containers.RepeatedScalarFieldContainer[str]
    store_ids: _containers.RepeatedScalarFieldContainer[int]
    min_price: _money_pb2.Money
    max_price: _money_pb2.Money
    in_stock_only: bool
    def __init__(self, category_id: _Optional[int] = ..., brands: _Optional[_Iterable[str]] = ..., store_ids: _Optional[_Iterable[int]] = ..., min_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., max_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., in_stock_only: _Optional[bool] = ...) -> None: ...

class ListProductsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "order_by", "show_deleted")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: ProductFilter
    order_by: ProductOrder
    show_deleted: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[ProductFilter, _Mapping]] = ..., order_by: _Optional[_Union[ProductOrder, str]] = ..., show_deleted: _Optional[bool] = ...) -> None: ...

class ListProductsResponse(_message.Message):
    __slots__ = ("products", "next_page_token")
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[_product_pb2.Product]
    next_page_token: str
    def __init__(self, products: _Optional[_Iterable[_Union[_product_pb2.Product, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateProductRequest(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class CreateProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class UpdateProductRequest(_message.Message):
    __slots__ = ("product", "update_mask")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class DeleteProductRequest(_message.Message):
    __slots__ = ("id", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: int
    etag: str
    def __init__(self, id: _Optional[int] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class UndeleteProductRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class UndeleteProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class ListOffersRequest(_message.Message):
    __slots__ = ("product_id", "page_size", "page_token", "in_stock_only")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_ONLY_FIELD_NUMBER: _ClassVar[int]
    product_id: int
    page_size: int
    page_token: str
    in_stock_only: bool
    def __init__(self, product_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., in_stock_only: _Optional[bool] = ...) -> None: ...

class ListOffersResponse(_message.Message):
    __slots__ = ("offers", "next_page_token")
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[_offer_pb2.Offer]
    next_page_token: str
    def __init__(self, offers: _Optional[_Iterable[_Union[_offer_pb2.Offer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OfferInput(_message.Message):
    __slots__ = ("product_id", "store_id", "external_id", "url", "price", "original_price", "in_stock", "observed_time")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_PRICE_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_TIME_FIELD_NUMBER: _ClassVar[int]
    product_id: int
    store_id: int
    external_id: str
    url: str
    price: _money_pb2.Money
    original_price: _money_pb2.Money
    in_stock: bool
    observed_time: _timestamp_pb2.Timestamp
    def __init__(self, product_id: _Optional[int] = ..., store_id: _Optional[int] = ..., external_id: _Optional[str] = ..., url: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., original_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., in_stock: _Optional[bool] = ..., observed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpsertOffersRequest(_message.Message):
    __slots__ = ("offers",)
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[OfferInput]
    def __init__(self, offers: _Optional[_Iterable[_Union[OfferInput, _Mapping]]] = ...) -> None: ...

class UpsertOffersResponse(_message.Message):
    __slots__ = ("offers",)
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[_offer_pb2.Offer]
    def __init__(self, offers: _Optional[_Iterable[_Union[_offer_pb2.Offer, _Mapping]]] = ...) -> None: ...

class CreateCategoryRequest(_message.Message):
    __slots__ = ("category",)
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    category: _category_pb2.Category
    def __init__(self, category: _Optional[_Union[_category_pb2.Category, _Mapping]] = ...) -> None: ...

class CreateCategoryResponse(_message.Message):
    __slots__ = ("category",)
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    category: _category_pb2.Category
    def __init__(self, category: _Optional[_Union[_category_pb2.Category, _Mapping]] = ...) -> None: ...

class GetCategoryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetCategoryResponse(_message.Message):
    __slots__ = ("category",)
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    category: _category_pb2.Category
    def __init__(self, category: _Optional[_Union[_category_pb2.Category, _Mapping]] = ...) -> None: ...

class ListCategoriesRequest(_message.Message):
    __slots__ = ("root_id",)
    ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    root_id: int
    def __init__(self, root_id: _Optional[int] = ...) -> None: ...

class ListCategoriesResponse(_message.Message):
    __slots__ = ("roots",)
    ROOTS_FIELD_NUMBER: _ClassVar[int]
    roots: _containers.RepeatedCompositeFieldContainer[_category_pb2.CategoryNode]
    def __init__(self, roots: _Optional[_Iterable[_Union[_category_pb2.CategoryNode, _Mapping]]] = ...) -> None: ...

class CreateStoreRequest(_message.Message):
    __slots__ = ("store",)
    STORE_FIELD_NUMBER: _ClassVar[int]
    store: _store_pb2.Store
    def __init__(self, store: _Optional[_Union[_store_pb2.Store, _Mapping]] = ...) -> None: ...

class CreateStoreResponse(_message.Message):
    __slots__ = ("store",)
    STORE_FIELD_NUMBER: _ClassVar[int]
    store: _store_pb2.Store
    def __init__(self, store: _Optional[_Union[_store_pb2.Store, _Mapping]] = ...) -> None: ...

class GetStoreRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetStoreResponse(_message.Message):
    __slots__ = ("store",)
    STORE_FIELD_NUMBER: _ClassVar[int]
    store: _store_pb2.Store
    def __init__(self, store: _Optional[_Union[_store_pb2.Store, _Mapping]] = ...) -> None: ...

class ListStoresRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStoresResponse(_message.Message):
    __slots__ = ("stores", "next_page_token")
    STORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    stores: _containers.RepeatedCompositeFieldContainer[_store_pb2.Store]
    next_page_token: str
    def __init__(self, stores: _Optional[_Iterable[_Union[_store_pb2.Store, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Favorite(_message.Message):
    __slots__ = ("user_id", "product_id", "create_time", "product")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    product_id: int
    create_time: _timestamp_pb2.Timestamp
    product: _product_pb2.Product
    def __init__(self, user_id: _Optional[str] = ..., product_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ...) -> None: ...

class AddFavoriteRequest(_message.Message):
    __slots__ = ("user_id", "product_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    product_id: int
    def __init__(self, user_id: _Optional[str] = ..., product_id: _Optional[int] = ...) -> None: ...

class AddFavoriteResponse(_message.Message):
    __slots__ = ("favorite",)
    FAVORITE_FIELD_NUMBER: _ClassVar[int]
    favorite: Favorite
    def __init__(self, favorite: _Optional[_Union[Favorite, _Mapping]] = ...) -> None: ...

class RemoveFavoriteRequest(_message.Message):
    __slots__ = ("user_id", "product_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    product_id: int
    def __init__(self, user_id: _Optional[str] = ..., product_id: _Optional[int] = ...) -> None: ...

class RemoveFavoriteResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: bool
    def __init__(self, removed: _Optional[bool] = ...) -> None: ...

class ListFavoritesRequest(_message.Message):
    __slots__ = ("user_id", "page_size", "page_token")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    page_size: int
    page_token: str
    def __init__(self, user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFavoritesResponse(_message.Message):
    __slots__ = ("favorites", "next_page_token")
    FAVORITES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    favorites: _containers.RepeatedCompositeFieldContainer[Favorite]
    next_page_token: str
    def __init__(self, favorites: _Optional[_Iterable[_Union[Favorite, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CheckFavoritesRequest(_message.Message):
    __slots__ = ("user_id", "product_ids")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_IDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    product_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, user_id: _Optional[str] = ..., product_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class CheckFavoritesResponse(_message.Message):
    __slots__ = ("favorite_product_ids",)
    FAVORITE_PRODUCT_IDS_FIELD_NUMBER: _ClassVar[int]
    favorite_product_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, favorite_product_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ProductEvent(_message.Message):
    __slots__ = ("product_id", "kind", "count", "occurred_time")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_TIME_FIELD_NUMBER: _ClassVar[int]
    product_id: int
    kind: ProductEventKind
    count: int
    occurred_time: _timestamp_pb2.Timestamp
    def __init__(self, product_id: _Optional[int] = ..., kind: _Optional[_Union[ProductEventKind, str]] = ..., count: _Optional[int] = ..., occurred_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordProductEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ProductEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[ProductEvent, _Mapping]]] = ...) -> None: ...

class RecordProductEventsResponse(_message.Message):
    __slots__ = ("recorded_count", "skipped_count")
    RECORDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    recorded_count: int
    skipped_count: int
    def __init__(self, recorded_count: _Optional[int] = ..., skipped_count: _Optional[int] = ...) -> None: ...

class ListTrendingRequest(_message.Message):
    __slots__ = ("category_id", "limit")
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    category_id: int
    limit: int
    def __init__(self, category_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class TrendingProduct(_message.Message):
    __slots__ = ("product", "score")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    score: float
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class ListTrendingResponse(_message.Message):
    __slots__ = ("products",)
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[TrendingProduct]
    def __init__(self, products: _Optional[_Iterable[_Union[TrendingProduct, _Mapping]]] = ...) -> None: ...
