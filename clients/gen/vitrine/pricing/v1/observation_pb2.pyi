import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from vitrine.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ObservationOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBSERVATION_OUTCOME_UNSPECIFIED: _ClassVar[ObservationOutcome]
    OBSERVATION_OUTCOME_CHANGED: _ClassVar[ObservationOutcome]
    OBSERVATION_OUTCOME_UNCHANGED: _ClassVar[ObservationOutcome]
    OBSERVATION_OUTCOME_REJECTED: _ClassVar[ObservationOutcome]
OBSERVATION_OUTCOME_UNSPECIFIED: ObservationOutcome
OBSERVATION_OUTCOME_CHANGED: ObservationOutcome
OBSERVATION_OUTCOME_UNCHANGED: ObservationOutcome
OBSERVATION_OUTCOME_REJECTED: ObservationOutcome

class PriceObservation(_message.Message):
    __slots__ = ("offer_id", "store_id", "external_id", "price", "original_price", "in_stock", "observed_time")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_PRICE_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_TIME_FIELD_NUMBER: _ClassVar[int]
    offer_id: int
    store_id: int
    external_id: str
    price: _money_pb2.Money
    original_price: _money_pb2.Money
    in_stock: bool
    observed_time: _timestamp_pb2.Timestamp
    def __init__(self, offer_id: _Optional[int] = ..., store_id: _Optional[int] = ..., external_id: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., original_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., in_stock: _Optional[bool] = ..., observed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ObservationResult(_message.Message):
    __slots__ = ("outcome", "offer_id", "reason", "detail")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    outcome: ObservationOutcome
    offer_id: int
    reason: str
    detail: str
    def __init__(self, outcome: _Optional[_Union[ObservationOutcome, str]] = ..., offer_id: _Optional[int] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...
