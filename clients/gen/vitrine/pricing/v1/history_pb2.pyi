from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Granularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANULARITY_UNSPECIFIED: _ClassVar[Granularity]
    GRANULARITY_RAW: _ClassVar[Granularity]
    GRANULARITY_HOUR: _ClassVar[Granularity]
    GRANULARITY_DAY: _ClassVar[Granularity]
    GRANULARITY_WEEK: _ClassVar[Granularity]
    GRANULARITY_MONTH: _ClassVar[Granularity]
GRANULARITY_UNSPECIFIED: Granularity
GRANULARITY_RAW: Granularity
GRANULARITY_HOUR: Granularity
GRANULARITY_DAY: Granularity
GRANULARITY_WEEK: Granularity
GRANULARITY_MONTH: Granularity

class PricePoints(_message.Message):
    __slots__ = ("time_unix_micros", "price_minor", "original_price_minor", "in_stock")
    TIME_UNIX_MICROS_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    time_unix_micros: _containers.RepeatedScalarFieldContainer[int]
    price_minor: _containers.RepeatedScalarFieldContainer[int]
    original_price_minor: _containers.RepeatedScalarFieldContainer[int]
    in_stock: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, time_unix_micros: _Optional[_Iterable[int]] = ..., price_minor: _Optional[_Iterable[int]] = ..., original_price_minor: _Optional[_Iterable[int]] = ..., in_stock: _Optional[_Iterable[bool]] = ...) -> None: ...

class PriceBuckets(_message.Message):
    __slots__ = ("start_unix_micros", "open_minor", "low_minor", "high_minor", "close_minor", "in_stock")
    START_UNIX_MICROS_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    LOW_MINOR_FIELD_NUMBER: _ClassVar[int]
    HIGH_MINOR_FIELD_NUMBER: _ClassVar[int]
    CLOSE_MINOR_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    start_unix_micros: _containers.RepeatedScalarFieldContainer[int]
    open_minor: _containers.RepeatedScalarFieldContainer[int]
    low_minor: _containers.RepeatedScalarFieldContainer[int]
    high_minor: _containers.RepeatedScalarFieldContainer[int]
    close_minor: _containers.RepeatedScalarFieldContainer[int]
    in_stock: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, start_unix_micros: _Optional[_Iterable[int]] = ..., open_minor: _Optional[_Iterable[int]] = ..., low_minor: _Optional[_Iterable[int]] = ..., high_minor: _Optional[_Iterable[int]] = ..., close_minor: _Optional[_Iterable[int]] = ..., in_stock: _Optional[_Iterable[bool]] = ...) -> None: ...

class PriceSeries(_message.Message):
    __slots__ = ("offer_id", "store_id", "currency_code", "points", "buckets")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    offer_id: int
    store_id: int
    currency_code: str
    points: PricePoints
    buckets: PriceBuckets
    def __init__(self, offer_id: _Optional[int] = ..., store_id: _Optional[int] = ..., currency_code: _Optional[str] = ..., points: _Optional[_Union[PricePoints, _Mapping]] = ..., buckets: _Optional[_Union[PriceBuckets, _Mapping]] = ...) -> None: ...
