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


# Where a value sits, built only when it is reported: (parent, field name,
# index in its list or None). Formatting every path up front cost more than
# the checks themselves.
Path = tuple[Any, str, int | None] | None


def _format(path: Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, name, index = path
        parts.append(name if index is None else f"{name}[{index}]")
    return ".".join(reversed(parts))


class _Walk:
    """What a walk found: the first violations, how many in all, and how many
    list items it met."""

    __slots__ = ("found", "total", "values")

    def __init__(self) -> None:
        self.found: list[errors.FieldViolation] = []
        self.total = 0
        self.values = 0

    def add(self, path: Path, description: str) -> None:
        self.total += 1
        if len(self.found) < errors.MAX_VIOLATIONS:
            self.found.append(errors.FieldViolation(_format(path), description))


# What is wrong with one value (an item, for lists), or None.
Check = Callable[[Any], str | None]
TEXT_RULE = f"is longer than any text this API takes ({text.MAX_TEXT:,} characters)"


def _text(value: str) -> str | None:
    # Only NUL: surrogates cannot arrive, the decoder refuses invalid UTF-8.
    if "\x00" in value:
        return text.NUL_RULE
    return TEXT_RULE if len(value) > text.MAX_TEXT else None


def _float(value: float) -> str | None:
    return None if math.isfinite(value) else "must be a finite number"


def _enum(field: FieldDescriptor) -> Check:
    enum_type = field.enum_type
    assert enum_type is not None  # an enum field always has its type
    known = frozenset(value.number for value in enum_type.values)
    enum_name = enum_type.full_name

    def check(value: int) -> str | None:
        return None if value in known else f"{value} is not a value of {enum_name}"

    return check


@dataclass(frozen=True, slots=True)
class _Field:
    """How one field is checked: a leaf `check`, or a message walked into
    (`walk`), or a map; items of `items_exempt` lists are left to the service."""

    name: str
    repeated: bool
    check: Check | None = None
    walk: bool = False
    map_entry: Descriptor | None = None
    items_exempt: bool = False


class RequestGuard:
    """The boundary checks for one method's requests (raises InvalidArgument)."""

    def __init__(self, input_type: Descriptor, method: str, exempt: Collection[str] = ()):
        self.method = method
        self.type_name = input_type.full_name
        self._exempt = frozenset(exempt)
        self._plans: dict[Descriptor, dict[int, _Field]] = {}
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
        walk = _Walk()
        self._walk(request, None, walk)
        if walk.total:
            raise errors.InvalidArgument(walk.found, total=walk.total)

    # -- compiled once per message type ---------------------------------------

    def _plan(self, desc: Descriptor) -> None:
        if desc in self._plans:
            return
        plan: dict[int, _Field] = {}
        self._plans[desc] = plan  # before the fields: types may recurse
        for f in desc.fields:
            plan[f.number] = self._field(f)

    def _field(self, f: FieldDescriptor) -> _Field:
        message = f.message_type
        exempt = f.full_name in self._exempt
        if message is not None and message.GetOptions().map_entry:
            self._plan(message)
            return _Field(f.name, False, map_entry=message)
        if message is not None:
            if message.full_name == _TIMESTAMP:
                return _Field(f.name, f.is_repeated, times.timestamp_problem, items_exempt=exempt)
            if message.full_name == _DURATION:
                return _Field(f.name, f.is_repeated, times.duration_problem, items_exempt=exempt)
            self._plan(message)
            return _Field(f.name, f.is_repeated, walk=True, items_exempt=exempt)
        check: Check | None = None
        if f.type == FieldDescriptor.TYPE_STRING:
            check = _text
        elif f.type in _FLOATS:
            check = _float
        elif f.type == FieldDescriptor.TYPE_ENUM:
            check = _enum(f)
        return _Field(f.name, f.is_repeated, check, items_exempt=exempt)

    # -- per request ----------------------------------------------------------

    def _walk(self, message: Any, path: Path, v: _Walk) -> None:
        plan = self._plans[message.DESCRIPTOR]
        for field, value in message.ListFields():
            f = plan[field.number]
            if not f.repeated:
                if f.map_entry is not None:
                    self._map(f, value, path, v)
                else:
                    self._value(f, value, (path, f.name, None), v)
                continue
            if not self._admit(len(value), (path, f.name, None), v):
                if v.values > MAX_VALUES:
                    return
                continue
            if f.items_exempt or (f.check is None and not f.walk):
                continue
            for i, item in enumerate(value):
                self._value(f, item, (path, f.name, i), v)
                if v.total > errors.MAX_VIOLATIONS or v.values > MAX_VALUES:
                    return  # enough to tell the caller; the rest costs nothing

    def _value(self, f: _Field, value: Any, at: Path, v: _Walk) -> None:
        """One value (a field's, or an item of its list) at `at`."""
        if f.check is not None:
            problem = f.check(value)
            if problem is not None:
                v.add(at, problem)
        elif f.walk:
            self._walk(value, at, v)

    @staticmethod
    def _admit(count: int, at: Path, v: _Walk) -> bool:
        """Whether a list or map of `count` items may be looked into: one
        violation instead when it is longer than any the API takes, or when
        the request holds too many items in all."""
        if count > lists.MAX_ITEMS:
            v.add(at, f"has more items than any list this API takes ({lists.MAX_ITEMS:,})")
            return False
        v.values += count
        if v.values > MAX_VALUES:
            v.add(at, f"the request holds more values than any this API takes ({MAX_VALUES:,})")
            return False
        return True

    def _map(self, f: _Field, mapping: Any, path: Path, v: _Walk) -> None:
        assert f.map_entry is not None
        entry = self._plans[f.map_entry]
        if not self._admit(len(mapping), (path, f.name, None), v):
            return
        for key, value in mapping.items():
            at = (path, f"{f.name}[{str(key)[:40]!r}]", None)
            self._value(entry[1], key, at, v)
            self._value(entry[2], value, at, v)
