from vitrine.pricing.v1 import observation_pb2 as _observation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
