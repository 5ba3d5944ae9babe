import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from vitrine.catalog.v1 import product_pb2 as _product_pb2
from vitrine.pricing.v1 import alert_pb2 as _alert_pb2
from vitrine.pricing.v1 import history_pb2 as _history_pb2
from vitrine.pricing.v1 import observation_pb2 as _observation_pb2
from vitrine.type.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProductSeries(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_SERIES_UNSPECIFIED: _ClassVar[ProductSeries]
    PRODUCT_SERIES_BEST_PRICE: _ClassVar[ProductSeries]
    PRODUCT_SERIES_ALL_OFFERS: _ClassVar[ProductSeries]

class DropBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DROP_BASIS_UNSPECIFIED: _ClassVar[DropBasis]
    DROP_BASIS_PREVIOUS_PRICE: _ClassVar[DropBasis]
    DROP_BASIS_RECENT_AVERAGE: _ClassVar[DropBasis]
PRODUCT_SERIES_UNSPECIFIED: ProductSeries
PRODUCT_SERIES_BEST_PRICE: ProductSeries
PRODUCT_SERIES_ALL_OFFERS: ProductSeries
DROP_BASIS_UNSPECIFIED: DropBasis
DROP_BASIS_PREVIOUS_PRICE: DropBasis
DROP_BASIS_RECENT_AVERAGE: DropBasis

class RecordPriceBatchRequest(_message.Message):
    __slots__ = ("batch_id", "observations")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    observations: _containers.RepeatedCompositeFieldContainer[_observation_pb2.PriceObservation]
    def __init__(self, batch_id: _Optional[str] = ..., observations: _Optional[_Iterable[_Union[_observation_pb2.PriceObservation, _Mapping]]] = ...) -> None: ...

class RecordPriceBatchResponse(_message.Message):
    __slots__ = ("batch_id", "replayed", "results", "accepted_count", "rejected_count")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    replayed: bool
    results: _containers.RepeatedCompositeFieldContainer[_observation_pb2.ObservationResult]
    accepted_count: int
    rejected_count: int
    def __init__(self, batch_id: _Optional[str] = ..., replayed: _Optional[bool] = ..., results: _Optional[_Iterable[_Union[_observation_pb2.ObservationResult, _Mapping]]] = ..., accepted_count: _Optional[int] = ..., rejected_count: _Optional[int] = ...) -> None: ...

class RecordPricesRequest(_message.Message):
    __slots__ = ("batch_id", "observations")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    observations: _containers.RepeatedCompositeFieldContainer[_observation_pb2.PriceObservation]
    def __init__(self, batch_id: _Optional[str] = ..., observations: _Optional[_Iterable[_Union[_observation_pb2.PriceObservation, _Mapping]]] = ...) -> None: ...

class RecordPricesResponse(_message.Message):
    __slots__ = ("batches", "accepted_count", "rejected_count")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[RecordPriceBatchResponse]
    accepted_count: int
    rejected_count: int
    def __init__(self, batches: _Optional[_Iterable[_Union[RecordPriceBatchResponse, _Mapping]]] = ..., accepted_count: _Optional[int] = ..., rejected_count: _Optional[int] = ...) -> None: ...

class GetPriceHistoryRequest(_message.Message):
    __slots__ = ("offer_id", "product_id", "series", "start_time", "end_time", "granularity")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    offer_id: int
    product_id: int
    series: ProductSeries
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    granularity: _history_pb2.Granularity
    def __init__(self, offer_id: _Optional[int] = ..., product_id: _Optional[int] = ..., series: _Optional[_Union[ProductSeries, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., granularity: _Optional[_Union[_history_pb2.Granularity, str]] = ...) -> None: ...

class GetPriceHistoryResponse(_message.Message):
    __slots__ = ("series",)
    SERIES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[_history_pb2.PriceSeries]
    def __init__(self, series: _Optional[_Iterable[_Union[_history_pb2.PriceSeries, _Mapping]]] = ...) -> None: ...

class GetPriceStatsRequest(_message.Message):
    __slots__ = ("product_id",)
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    product_id: int
    def __init__(self, product_id: _Optional[int] = ...) -> None: ...

class PriceAt(_message.Message):
    __slots__ = ("price_minor", "time", "offer_id", "store_id")
    PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    price_minor: int
    time: _timestamp_pb2.Timestamp
    offer_id: int
    store_id: int
    def __init__(self, price_minor: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., offer_id: _Optional[int] = ..., store_id: _Optional[int] = ...) -> None: ...

class WindowStats(_message.Message):
    __slots__ = ("days", "min_minor", "average_minor", "current_vs_average_bps", "current_vs_min_bps")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    MIN_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VS_AVERAGE_BPS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VS_MIN_BPS_FIELD_NUMBER: _ClassVar[int]
    days: int
    min_minor: int
    average_minor: int
    current_vs_average_bps: int
    current_vs_min_bps: int
    def __init__(self, days: _Optional[int] = ..., min_minor: _Optional[int] = ..., average_minor: _Optional[int] = ..., current_vs_average_bps: _Optional[int] = ..., current_vs_min_bps: _Optional[int] = ...) -> None: ...

class GetPriceStatsResponse(_message.Message):
    __slots__ = ("product_id", "currency_code", "current", "lowest_ever", "highest_ever", "last_30_days", "last_90_days")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    LOWEST_EVER_FIELD_NUMBER: _ClassVar[int]
    HIGHEST_EVER_FIELD_NUMBER: _ClassVar[int]
    LAST_30_DAYS_FIELD_NUMBER: _ClassVar[int]
    LAST_90_DAYS_FIELD_NUMBER: _ClassVar[int]
    product_id: int
    currency_code: str
    current: PriceAt
    lowest_ever: PriceAt
    highest_ever: PriceAt
    last_30_days: WindowStats
    last_90_days: WindowStats
    def __init__(self, product_id: _Optional[int] = ..., currency_code: _Optional[str] = ..., current: _Optional[_Union[PriceAt, _Mapping]] = ..., lowest_ever: _Optional[_Union[PriceAt, _Mapping]] = ..., highest_ever: _Optional[_Union[PriceAt, _Mapping]] = ..., last_30_days: _Optional[_Union[WindowStats, _Mapping]] = ..., last_90_days: _Optional[_Union[WindowStats, _Mapping]] = ...) -> None: ...

class ListPriceDropsRequest(_message.Message):
    __slots__ = ("min_drop_bps", "category_id", "store_ids", "changed_after", "page_size", "page_token", "basis")
    MIN_DROP_BPS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AFTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    min_drop_bps: int
    category_id: int
    store_ids: _containers.RepeatedScalarFieldContainer[int]
    changed_after: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    basis: DropBasis
    def __init__(self, min_drop_bps: _Optional[int] = ..., category_id: _Optional[int] = ..., store_ids: _Optional[_Iterable[int]] = ..., changed_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., basis: _Optional[_Union[DropBasis, str]] = ...) -> None: ...

class PriceDrop(_message.Message):
    __slots__ = ("product", "previous_price_minor", "current_price_minor", "drop_bps", "changed_time")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    DROP_BPS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_TIME_FIELD_NUMBER: _ClassVar[int]
    product: _product_pb2.Product
    previous_price_minor: int
    current_price_minor: int
    drop_bps: int
    changed_time: _timestamp_pb2.Timestamp
    def __init__(self, product: _Optional[_Union[_product_pb2.Product, _Mapping]] = ..., previous_price_minor: _Optional[int] = ..., current_price_minor: _Optional[int] = ..., drop_bps: _Optional[int] = ..., changed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPriceDropsResponse(_message.Message):
    __slots__ = ("drops", "next_page_token")
    DROPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    drops: _containers.RepeatedCompositeFieldContainer[PriceDrop]
    next_page_token: str
    def __init__(self, drops: _Optional[_Iterable[_Union[PriceDrop, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreatePriceAlertRequest(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: _alert_pb2.PriceAlert
    def __init__(self, alert: _Optional[_Union[_alert_pb2.PriceAlert, _Mapping]] = ...) -> None: ...

class CreatePriceAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: _alert_pb2.PriceAlert
    def __init__(self, alert: _Optional[_Union[_alert_pb2.PriceAlert, _Mapping]] = ...) -> None: ...

class GetPriceAlertRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetPriceAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: _alert_pb2.PriceAlert
    def __init__(self, alert: _Optional[_Union[_alert_pb2.PriceAlert, _Mapping]] = ...) -> None: ...

class ListPriceAlertsRequest(_message.Message):
    __slots__ = ("user_id", "page_size", "page_token")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    page_size: int
    page_token: str
    def __init__(self, user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPriceAlertsResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[_alert_pb2.PriceAlert]
    next_page_token: str
    def __init__(self, alerts: _Optional[_Iterable[_Union[_alert_pb2.PriceAlert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeletePriceAlertRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeletePriceAlertResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamTriggeredAlertsRequest(_message.Message):
    __slots__ = ("consumer_group", "consumer", "ack_timeout")
    CONSUMER_GROUP_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    ACK_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    consumer_group: str
    consumer: str
    ack_timeout: _duration_pb2.Duration
    def __init__(self, consumer_group: _Optional[str] = ..., consumer: _Optional[str] = ..., ack_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StreamTriggeredAlertsResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: _alert_pb2.TriggeredAlert
    def __init__(self, alert: _Optional[_Union[_alert_pb2.TriggeredAlert, _Mapping]] = ...) -> None: ...

class AckAlertsRequest(_message.Message):
    __slots__ = ("consumer_group", "delivery_ids")
    CONSUMER_GROUP_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_IDS_FIELD_NUMBER: _ClassVar[int]
    consumer_group: str
    delivery_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, consumer_group: _Optional[str] = ..., delivery_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AckAlertsResponse(_message.Message):
    __slots__ = ("acknowledged_count",)
    ACKNOWLEDGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    acknowledged_count: int
    def __init__(self, acknowledged_count: _Optional[int] = ...) -> None: ...
