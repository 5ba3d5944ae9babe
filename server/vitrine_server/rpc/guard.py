"""The RPC boundary's checks: every request, every field, from the descriptors.

Before any handler runs, `RequestGuard` refuses (INVALID_ARGUMENT, with a
field violation per problem) a request that could not be decoded, and walks
every field that is set, applying the rules that hold for a kind of value
wherever it appears:

- google.protobuf.Timestamp and Duration within their documented ranges
  (else `ToDatetime` and friends raise deep inside a service);
- text without U+0000 (PostgreSQL refuses it) and at most
  validation.text.MAX_TEXT characters;
- finite floating-point numbers;
- enum values the enum declares (proto3 keeps unknown numbers);
- lists of at most validation.lists.MAX_ITEMS items, whose items are then
  not looked at; and at most MAX_VALUES list items in the whole request
  (lists of lists), so the walk itself stays cheap whatever arrives.

It is built from the method's input descriptor when the service is
registered (rpc/handlers.py), so a new RPC or field is covered without
anyone remembering to. What a value means for its field (a positive id, a
price, a time not in the future) is the service's to check, with the
helpers of vitrine_server.validation.

A list whose items the service judges one by one (a price batch rejects a
bad observation and records the rest) is named in `items_checked_by_service`:
its length is still bounded here, its items are left to the service.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from vitrine_server import errors
from vitrine_server.log import Throttled
from vitrine_server.rpc.decoding import Undecodable
from vitrine_server.validation import lists, text, times

log = logging.getLogger("vitrine.rpc")
# One client can send garbage as fast as it likes: the log says so, briefly.
_malformed_log = Throttled(log, interval=10.0)

# The most list items one request may hold in all (the largest request the
# API takes, a price batch of 10,000 observations, holds 10,000).
MAX_VALUES = 50_000
_TIMESTAMP = "google.protobuf.Timestamp"
_DURATION = "google.protobuf.Duration"
_FLOATS = (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE)


class _Walk(errors.Violations):
    """Violations, and how many list items the walk has met so far."""

    def __init__(self) -> None:
        super().__init__()
        self.values = 0


# Judges one value (an item, for lists) at `path`.
Check = Callable[[Any, str, _Walk], None]


@dataclass(frozen=True, slots=True)
class _Field:
    """How one field is checked; `check` judges one value (an item, for lists)."""

    name: str
    repeated: bool
    check: Check | None
    items_exempt: bool = False


def _text(value: str, path: str, v: _Walk) -> None:
    if len(value) > text.MAX_TEXT:
        v.add(path, f"is longer than any text this API takes ({text.MAX_TEXT:,} characters)")
        return
    problem = text.storable_problem(value)
    if problem is not None:
        v.add(path, problem)


def _float(value: float, path: str, v: _Walk) -> None:
    if not math.isfinite(value):
        v.add(path, "must be a finite number")


def _timestamp(value: Message, path: str, v: _Walk) -> None:
    problem = times.timestamp_problem(value)  # type: ignore[arg-type]
    if problem is not None:
        v.add(path, problem)


def _duration(value: Message, path: str, v: _Walk) -> None:
    problem = times.duration_problem(value)  # type: ignore[arg-type]
    if problem is not None:
        v.add(path, problem)


def _enum(field: FieldDescriptor) -> Check:
    known = frozenset(value.number for value in field.enum_type.values)
    enum_name = field.enum_type.full_name

    def check(value: int, path: str, v: _Walk) -> None:
        if value not in known:
            v.add(path, f"{value} is not a value of {enum_name}")

    return check


class RequestGuard:
    """The boundary checks for one method's requests (raises InvalidArgument)."""

    def __init__(self, input_type: Descriptor, method: str, exempt: Collection[str] = ()):
        self.method = method
        self.type_name = input_type.full_name
        self._exempt = frozenset(exempt)
        self._plans: dict[str, dict[int, _Field]] = {}
        self._plan(input_type)

    def __call__(self, request: Any) -> None:
        if type(request) is Undecodable:
            _malformed_log.warning(
                "malformed %s refused in %s: %s", self.type_name, self.method, request.error
            )
            raise errors.InvalidArgument(
                [errors.FieldViolation("", f"is not a valid {self.type_name}: {request.error}")],
                reason="MALFORMED_REQUEST",
            )
        v = _Walk()
        self._walk(request, "", v)
        v.raise_if_any()

    # -- compiled once per message type ---------------------------------------

    def _plan(self, desc: Descriptor) -> None:
        if desc.full_name in self._plans:
            return
        plan: dict[int, _Field] = {}
        self._plans[desc.full_name] = plan  # before the fields: types may recurse
        for f in desc.fields:
            plan[f.number] = self._field(f)

    def _field(self, f: FieldDescriptor) -> _Field:
        check: Check | None = None
        message = f.message_type
        if message is not None and message.GetOptions().map_entry:
            self._plan(message)
            return _Field(f.name, False, self._map(message))
        if message is not None:
            if message.full_name == _TIMESTAMP:
                check = _timestamp
            elif message.full_name == _DURATION:
                check = _duration
            else:
                self._plan(message)
                check = self._walk
        elif f.type == FieldDescriptor.TYPE_STRING:
            check = _text
        elif f.type in _FLOATS:
            check = _float
        elif f.type == FieldDescriptor.TYPE_ENUM:
            check = _enum(f)
        return _Field(f.name, f.is_repeated, check, f.full_name in self._exempt)

    def _map(self, entry: Descriptor) -> Check:
        key_check = self._field(entry.fields_by_name["key"]).check
        value_check = self._field(entry.fields_by_name["value"]).check

        def check(mapping: Any, path: str, v: _Walk) -> None:
            if len(mapping) > lists.MAX_ITEMS:
                v.add(path, f"has more entries than any map this API takes ({lists.MAX_ITEMS:,})")
                return
            v.values += len(mapping)
            for key, value in mapping.items():
                at = f"{path}[{str(key)[:40]!r}]"
                if key_check is not None:
                    key_check(key, at, v)
                if value_check is not None:
                    value_check(value, at, v)

        return check

    # -- per request ----------------------------------------------------------

    def _walk(self, message: Any, path: str, v: _Walk) -> None:
        plan = self._plans[message.DESCRIPTOR.full_name]
        prefix = f"{path}." if path else ""
        for field, value in message.ListFields():
            f = plan[field.number]
            if f.check is None and not f.repeated:
                continue
            at = prefix + f.name
            if not f.repeated:
                f.check(value, at, v)  # type: ignore[misc]
                continue
            if len(value) > lists.MAX_ITEMS:
                v.add(at, f"has more items than any list this API takes ({lists.MAX_ITEMS:,})")
                continue
            v.values += len(value)
            if v.values > MAX_VALUES:
                v.add(at, f"the request holds more values than any this API takes ({MAX_VALUES:,})")
                return
            if f.check is None or f.items_exempt:
                continue
            for i, item in enumerate(value):
                f.check(item, f"{at}[{i}]", v)
                if v.total > errors.MAX_VIOLATIONS or v.values > MAX_VALUES:
                    return  # enough to tell the caller; the rest costs nothing
