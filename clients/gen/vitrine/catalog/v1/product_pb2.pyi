import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from vitrine.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Product(_message.Message):
    __slots__ = ("id", "slug", "name", "description", "brand", "category_id", "attributes", "image_url", "rating", "review_count", "currency_code", "best_offer", "external_id", "source_store_id", "create_time", "update_time", "delete_time", "etag", "last_scraped_time")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REVIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    BEST_OFFER_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    LAST_SCRAPED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    slug: str
    name: str
    description: str
    brand: str
    category_id: int
    attributes: _containers.ScalarMap[str, str]
    image_url: str
    rating: float
    review_count: int
    currency_code: str
    best_offer: BestOffer
    external_id: str
    source_store_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    etag: str
    last_scraped_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., slug: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., brand: _Optional[str] = ..., category_id: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ..., image_url: _Optional[str] = ..., rating: _Optional[float] = ..., review_count: _Optional[int] = ..., currency_code: _Optional[str] = ..., best_offer: _Optional[_Union[BestOffer, _Mapping]] = ..., external_id: _Optional[str] = ..., source_store_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., last_scraped_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BestOffer(_message.Message):
    __slots__ = ("offer_id", "store_id", "price", "original_price", "discount_bps", "in_stock", "offer_count")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_PRICE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_BPS_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    OFFER_COUNT_FIELD_NUMBER: _ClassVar[int]
    offer_id: int
    store_id: int
    price: _money_pb2.Money
    original_price: _money_pb2.Money
    discount_bps: int
    in_stock: bool
    offer_count: int
    def __init__(self, offer_id: _Optional[int] = ..., store_id: _Optional[int] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., original_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., discount_bps: _Optional[int] = ..., in_stock: _Optional[bool] = ..., offer_count: _Optional[int] = ...) -> None: ...
