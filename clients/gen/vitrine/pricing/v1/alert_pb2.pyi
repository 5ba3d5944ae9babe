import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_TARGET_PRICE: _ClassVar[AlertKind]
    ALERT_KIND_PERCENT_DROP: _ClassVar[AlertKind]
    ALERT_KIND_BACK_IN_STOCK: _ClassVar[AlertKind]
    ALERT_KIND_ANY_CHANGE: _ClassVar[AlertKind]

class AlertState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_STATE_UNSPECIFIED: _ClassVar[AlertState]
    ALERT_STATE_ARMED: _ClassVar[AlertState]
    ALERT_STATE_TRIGGERED: _ClassVar[AlertState]
    ALERT_STATE_EXPIRED: _ClassVar[AlertState]
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_TARGET_PRICE: AlertKind
ALERT_KIND_PERCENT_DROP: AlertKind
ALERT_KIND_BACK_IN_STOCK: AlertKind
ALERT_KIND_ANY_CHANGE: AlertKind
ALERT_STATE_UNSPECIFIED: AlertState
ALERT_STATE_ARMED: AlertState
ALERT_STATE_TRIGGERED: AlertState
ALERT_STATE_EXPIRED: AlertState

class PriceAlert(_message.Message):
    __slots__ = ("id", "user_id", "product_id", "kind", "target_price_minor", "drop_bps", "expire_time", "state", "baseline_price_minor", "last_trigger_time", "create_time", "triggers")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    DROP_BPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    LAST_TRIGGER_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    id: int
    user_id: str
    product_id: int
    kind: AlertKind
    target_price_minor: int
    drop_bps: int
    expire_time: _timestamp_pb2.Timestamp
    state: AlertState
    baseline_price_minor: int
    last_trigger_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    triggers: _containers.RepeatedCompositeFieldContainer[AlertTrigger]
    def __init__(self, id: _Optional[int] = ..., user_id: _Optional[str] = ..., product_id: _Optional[int] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., target_price_minor: _Optional[int] = ..., drop_bps: _Optional[int] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[AlertState, str]] = ..., baseline_price_minor: _Optional[int] = ..., last_trigger_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., triggers: _Optional[_Iterable[_Union[AlertTrigger, _Mapping]]] = ...) -> None: ...

class AlertTrigger(_message.Message):
    __slots__ = ("id", "alert_id", "product_id", "user_id", "cause", "price_minor", "trigger_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    alert_id: int
    product_id: int
    user_id: str
    cause: AlertKind
    price_minor: int
    trigger_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., alert_id: _Optional[int] = ..., product_id: _Optional[int] = ..., user_id: _Optional[str] = ..., cause: _Optional[_Union[AlertKind, str]] = ..., price_minor: _Optional[int] = ..., trigger_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TriggeredAlert(_message.Message):
    __slots__ = ("delivery_id", "trigger", "delivery_count")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_COUNT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    trigger: AlertTrigger
    delivery_count: int
    def __init__(self, delivery_id: _Optional[str] = ..., trigger: _Optional[_Union[AlertTrigger, _Mapping]] = ..., delivery_count: _Optional[int] = ...) -> None: ...
