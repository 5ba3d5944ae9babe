import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Category(_message.Message):
    __slots__ = ("id", "parent_id", "slug", "name", "path", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    parent_id: int
    slug: str
    name: str
    path: _containers.RepeatedScalarFieldContainer[int]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., parent_id: _Optional[int] = ..., slug: _Optional[str] = ..., name: _Optional[str] = ..., path: _Optional[_Iterable[int]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CategoryNode(_message.Message):
    __slots__ = ("category", "children")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    category: Category
    children: _containers.RepeatedCompositeFieldContainer[CategoryNode]
    def __init__(self, category: _Optional[_Union[Category, _Mapping]] = ..., children: _Optional[_Iterable[_Union[CategoryNode, _Mapping]]] = ...) -> None: ...
