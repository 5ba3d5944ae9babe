"""A descriptor-driven request mutator: hostile variants of valid requests.

Nothing here knows a Vitrine method by name. Given a method's input
descriptor and a valid request, `Mutator.mutate` returns the bytes of a
mutated request and a label naming what was done (for the report). The
value classes are those a hostile or broken client sends:

- invalid google.protobuf.Timestamp / Duration (out of range, bad nanos)
- text with U+0000, empty and oversized strings, odd Unicode
- lone surrogates and other invalid UTF-8 (only expressible as raw bytes)
- extreme integers, NaN and infinities, unknown enum numbers
- huge repeated fields, maps with hostile keys
- forged, tampered, truncated and replayed page tokens
- garbage, truncated and bit-flipped message bytes

Paths are walked from the descriptors, so a new field or RPC is covered
without touching this file.
"""

from __future__ import annotations

import base64
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

F = FieldDescriptor
TIMESTAMP = "google.protobuf.Timestamp"
DURATION = "google.protobuf.Duration"
FIELD_MASK = "google.protobuf.FieldMask"
LEAF_MESSAGES = {TIMESTAMP, DURATION, FIELD_MASK}
MAX_DEPTH = 4
# The server accepts messages up to 16 MiB; stay well inside.
MAX_REQUEST_BYTES = 4 * 1024 * 1024

INT32 = (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32)
INT64 = (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64)
UINT32 = (F.TYPE_UINT32, F.TYPE_FIXED32)
UINT64 = (F.TYPE_UINT64, F.TYPE_FIXED64)
FLOATS = (F.TYPE_FLOAT, F.TYPE_DOUBLE)

# Timestamp's valid range is 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
BAD_TIMESTAMPS = (
    (0, -1),
    (0, 1_000_000_000),
    (0, 2**31 - 1),
    (253_402_300_800, 0),  # year 10000
    (-62_135_596_801, 0),  # before year 1
    (2**63 - 1, 0),
    (-(2**63), 0),
    (1_700_000_000, -(2**31)),
)
ODD_TIMESTAMPS = (
    (0, 0),  # 1970
    (-62_135_596_800, 0),  # year 1: valid, at the edge
    (253_402_300_799, 999_999_999),  # the last valid instant
    (4_102_444_800, 0),  # 2100: valid, far future
)
# Duration's valid range is +-315,576,000,000 s, nanos of the same sign.
BAD_DURATIONS = (
    (0, -1_000_000_000),
    (0, 1_000_000_000),
    (1, -1),
    (-1, 1),
    (315_576_000_001, 0),
    (-(2**63), 0),
    (2**63 - 1, 999_999_999),
)
ODD_DURATIONS = ((0, 0), (-1, 0), (315_576_000_000, 0), (0, 1))

# A placeholder whose UTF-8 bytes are swapped for invalid UTF-8 of the same
# length after serializing: the only way to put a lone surrogate on the wire.
MARKER = "\ue000"
MARKER_BYTES = MARKER.encode()
INVALID_UTF8 = (
    b"\xed\xa0\x80",  # U+D800, a lone high surrogate (CESU-8 style)
    b"\xed\xbf\xbf",  # U+DFFF, a lone low surrogate
    b"\xc0\x80\x20",  # overlong NUL
    b"\xff\xfe\xfd",  # never valid
    b"\xe2\x28\xa1",  # broken sequence
)

HOSTILE_TEXT: tuple[Callable[[random.Random], str], ...] = (
    lambda r: "",
    lambda r: " ",
    lambda r: "\x00",
    lambda r: "a\x00b",
    lambda r: "x" * r.choice((129, 201, 1001, 10_001, 70_000)),
    lambda r: "é" * 100_001,
    lambda r: "\u202e\u200b\ufeff" + "ok",
    lambda r: "🙂" * r.choice((1, 64, 5000)),
    lambda r: "' OR 1=1; --",
    lambda r: '"}\\',
    lambda r: "%_*?[]{}",
    lambda r: "<img src=x onerror=alert(1)>",
    lambda r: "\n\r\t",
    lambda r: "A" * 3 + "\x00" * 3,
    lambda r: "-1",
    lambda r: "9" * 40,
)


def _int_values(t: int) -> tuple[int, ...]:
    if t in INT32:
        return (0, -1, 1, 2**31 - 1, -(2**31))
    if t in INT64:
        return (0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63))
    if t in UINT32:
        return (0, 1, 2**32 - 1)
    return (0, 1, 2**63, 2**64 - 1)


FLOAT_VALUES = (math.nan, math.inf, -math.inf, 1e300, -1e300, -0.0, 5e-324, 5.05)


@dataclass(frozen=True)
class Path:
    """Fields from the request's root to a leaf."""

    fields: tuple[FieldDescriptor, ...]

    @property
    def leaf(self) -> FieldDescriptor:
        return self.fields[-1]

    def __str__(self) -> str:
        return ".".join(f.name for f in self.fields)


def paths(desc: Descriptor, prefix: tuple[FieldDescriptor, ...] = ()) -> list[Path]:
    """Every leaf path under `desc` (well-known message types count as leaves)."""
    out = []
    for f in desc.fields:
        here = (*prefix, f)
        message = f.message_type
        if message is None or message.full_name in LEAF_MESSAGES or _is_map(f):
            out.append(Path(here))
        elif len(here) < MAX_DEPTH:
            out.append(Path(here))  # the message itself: cleared, emptied, repeated
            out.extend(paths(message, here))
    return out


def _weight(path: Path) -> int:
    if not path.fields:
        return 1
    leaf = path.leaf
    if leaf.name == "page_token":
        return 6
    if leaf.message_type is not None and leaf.message_type.full_name in (TIMESTAMP, DURATION):
        return 3
    if leaf.type == F.TYPE_STRING or leaf.is_repeated:
        return 2
    return 1


def _is_map(f: FieldDescriptor) -> bool:
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def _repeated(f: FieldDescriptor) -> bool:
    return bool(f.is_repeated)


@dataclass
class Mutator:
    """Mutations drawn from one seeded random source, so a run can be replayed."""

    rng: random.Random
    # Page tokens seen in real answers, for replays and forgeries.
    tokens: list[str] = field(default_factory=list)
    _paths: dict[str, tuple[list[Path], list[int]]] = field(default_factory=dict)

    def mutate(self, seed: Message) -> tuple[bytes, str]:
        """Bytes of a hostile variant of `seed`, and what was done to it."""
        r = self.rng
        roll = r.random()
        if roll < 0.05:
            return self._garbage(seed)
        message = type(seed)()
        message.CopyFrom(seed)
        labels = []
        surrogate = False
        for _ in range(r.choice((1, 1, 1, 2, 3))):
            candidates, weights = self._paths_of(message.DESCRIPTOR)
            (path,) = r.choices(candidates, weights)
            label, wants_surrogate = self._mutate_at(message, path)
            labels.append(label)
            surrogate = surrogate or wants_surrogate
        data = message.SerializeToString()
        if len(data) > MAX_REQUEST_BYTES:
            # Past the server's receive limit grpc itself refuses the call
            # (RESOURCE_EXHAUSTED) before any Vitrine code runs: nothing to learn.
            return self.mutate(seed)
        if surrogate and MARKER_BYTES in data:
            data = data.replace(MARKER_BYTES, r.choice(INVALID_UTF8))
        return data, "+".join(labels)

    def _paths_of(self, desc: Descriptor) -> tuple[list[Path], list[int]]:
        """The leaf paths of a request type, and how often to pick each: the
        value kinds that broke servers before weigh more."""
        if desc.full_name not in self._paths:
            found = paths(desc) or [Path(())]
            self._paths[desc.full_name] = (found, [_weight(p) for p in found])
        return self._paths[desc.full_name]

    def _garbage(self, seed: Message) -> tuple[bytes, str]:
        r = self.rng
        data = seed.SerializeToString()
        kind = r.choice(("random", "truncated", "flipped", "bad-tag", "huge-length"))
        if kind == "random":
            data = r.randbytes(r.choice((1, 7, 64, 4096)))
        elif kind == "truncated" and len(data) > 1:
            data = data[: r.randrange(1, len(data))]
        elif kind == "flipped" and data:
            buf = bytearray(data)
            for _ in range(r.randint(1, 4)):
                buf[r.randrange(len(buf))] ^= 1 << r.randrange(8)
            data = bytes(buf)
        elif kind == "bad-tag":
            data = b"\x00" + data  # field number 0 is never valid
        else:
            data = b"\x0a\xff\xff\xff\xff\x0f" + data  # a length far past the end
        return data, f"garbage:{kind}"

    # -- one path -----------------------------------------------------------

    def _mutate_at(self, root: Message, path: Path) -> tuple[str, bool]:
        if not path.fields:
            return "empty", False
        parent = root
        for f in path.fields[:-1]:
            parent = self._descend(parent, f)
        leaf = path.leaf
        where = str(path)
        if _is_map(leaf):
            return f"{where}:map", self._map(parent, leaf)
        if leaf.message_type is not None:
            return f"{where}:{self._message(parent, leaf)}", False
        if _repeated(leaf):
            return f"{where}:{self._repeated_scalar(parent, leaf)}", False
        label, surrogate = self._scalar(parent, leaf)
        return f"{where}:{label}", surrogate

    def _descend(self, parent: Message, f: FieldDescriptor) -> Message:
        if _repeated(f):
            items = getattr(parent, f.name)
            if len(items) and self.rng.random() < 0.8:
                return items[self.rng.randrange(len(items))]  # type: ignore[no-any-return]
            return items.add()  # type: ignore[no-any-return]
        return getattr(parent, f.name)  # type: ignore[no-any-return]

    def _message(self, parent: Message, f: FieldDescriptor) -> str:
        r = self.rng
        name = f.message_type.full_name
        if _repeated(f):
            items = getattr(parent, f.name)
            choice = r.choice(("clear", "many", "huge", "empty-items"))
            if choice == "clear":
                del items[:]
            elif choice in ("many", "huge"):
                template = items[0] if len(items) else None
                count = 1001 if choice == "many" else r.choice((10_001, 30_000))
                if template is not None:  # never build a message past the receive limit
                    count = min(count, MAX_REQUEST_BYTES // (template.ByteSize() + 4))
                for _ in range(count):
                    item = items.add()
                    if template is not None:
                        item.CopyFrom(template)
            else:
                for _ in range(r.choice((1, 3, 50))):
                    items.add()
            return f"repeated-{choice}"
        target = getattr(parent, f.name)
        if name == TIMESTAMP:
            seconds, nanos = r.choice(BAD_TIMESTAMPS + ODD_TIMESTAMPS)
            target.seconds, target.nanos = seconds, nanos
            return f"timestamp({seconds},{nanos})"
        if name == DURATION:
            seconds, nanos = r.choice(BAD_DURATIONS + ODD_DURATIONS)
            target.seconds, target.nanos = seconds, nanos
            return f"duration({seconds},{nanos})"
        if name == FIELD_MASK:
            target.paths[:] = r.choice(
                (["*", "name"], ["\x00"], ["x" * 70_000], ["id", "etag", "best_offer"], [""] * 500)
            )
            return "field-mask"
        if r.random() < 0.5:
            parent.ClearField(f.name)
            return "cleared"
        target.SetInParent()
        target.Clear()
        target.SetInParent()
        return "emptied"

    def _map(self, parent: Message, f: FieldDescriptor) -> bool:
        r = self.rng
        entries = getattr(parent, f.name)
        value_field = f.message_type.fields_by_name["value"]
        key_field = f.message_type.fields_by_name["key"]
        if key_field.type != F.TYPE_STRING or value_field.type != F.TYPE_STRING:
            return False
        choice = r.random()
        if choice < 0.2:
            for i in range(r.choice((51, 2000))):
                entries[f"k{i}"] = "v"
            return False
        if choice < 0.35:
            entries["k" + MARKER] = "v" + MARKER
            return True
        entries[r.choice(HOSTILE_TEXT)(r)] = r.choice(HOSTILE_TEXT)(r)
        return False

    def _repeated_scalar(self, parent: Message, f: FieldDescriptor) -> str:
        r = self.rng
        items = getattr(parent, f.name)
        choice = r.choice(("huge", "over-limit", "extreme", "clear"))
        if choice == "clear":
            del items[:]
        elif choice == "extreme":
            items.append(self._scalar_value(f))
        else:
            # Many short items (what costs a server per item, not per byte).
            value = self._small_value(f)
            many = (10_001, 100_000) if choice == "huge" else (21, 51, 101, 1001)
            items.extend([value] * r.choice(many))
        return f"repeated-{choice}"

    def _small_value(self, f: FieldDescriptor) -> Any:
        if f.type == F.TYPE_STRING:
            return self.rng.choice(("", "x", "\x00", "-"))
        if f.type == F.TYPE_BYTES:
            return b""
        return self._scalar_value(f)

    def _scalar_value(self, f: FieldDescriptor) -> Any:
        r = self.rng
        t = f.type
        if t == F.TYPE_STRING:
            return r.choice(HOSTILE_TEXT)(r)
        if t == F.TYPE_BOOL:
            return r.random() < 0.5
        if t in FLOATS:
            return r.choice(FLOAT_VALUES)
        if t == F.TYPE_ENUM:
            return r.choice(self._enum_values(f))
        if t == F.TYPE_BYTES:
            return r.randbytes(r.choice((0, 16, 70_000)))
        return r.choice(_int_values(t))

    def _enum_values(self, f: FieldDescriptor) -> Sequence[int]:
        known = [v.number for v in f.enum_type.values]
        return [*known, max(known) + 1, 99, -1, 2**31 - 1, -(2**31)]

    def _scalar(self, parent: Message, f: FieldDescriptor) -> tuple[str, bool]:
        r = self.rng
        if f.type == F.TYPE_STRING:
            if f.name == "page_token" and r.random() < 0.8:
                token, label = self._token()
                setattr(parent, f.name, token)
                return label, False
            if r.random() < 0.2:
                current = getattr(parent, f.name)
                cut = r.randint(0, len(current))
                setattr(parent, f.name, current[:cut] + MARKER + current[cut:])
                return "invalid-utf8", True
        value = self._scalar_value(f)
        setattr(parent, f.name, value)
        return _describe(value), False

    # -- page tokens ----------------------------------------------------------

    def _token(self) -> tuple[str, str]:
        r = self.rng
        if not self.tokens or r.random() < 0.15:
            body = {"f": "0" * 16, "c": r.choice(_HOSTILE_CURSORS)}
            return _b64(json.dumps(body)), "token-forged"
        token = r.choice(self.tokens)
        choice = r.random()
        if choice < 0.25:
            return token, "token-replayed"
        if choice < 0.35:
            return token[: r.randrange(1, max(2, len(token)))], "token-truncated"
        body_text, sep, signature = token.partition(".")
        try:
            body = json.loads(_unb64(body_text))
        except ValueError:
            return token + "x", "token-appended"
        if not isinstance(body, dict):
            return token + "x", "token-appended"
        cursor = body.get("c")
        if isinstance(cursor, list) and cursor and r.random() < 0.7:
            cursor = list(cursor)
            cursor[r.randrange(len(cursor))] = r.choice(_HOSTILE_CURSOR_VALUES)
        else:
            cursor = r.choice(_HOSTILE_CURSORS)
        body["c"] = cursor
        tampered = _b64(json.dumps(body))
        return (tampered + sep + signature if sep else tampered), "token-tampered"


_HOSTILE_CURSOR_VALUES: tuple[Any, ...] = (
    2**63,
    -(2**63) - 1,
    10**30,
    1e300,
    -1,
    0,
    "x",
    "",
    None,
    True,
    [],
    {},
    "9999-99-99",
    "\x00",
    1.5,
)
_HOSTILE_CURSORS: tuple[Any, ...] = (
    [],
    [1],
    [1, 2, 3, 4],
    ["a", "b"],
    [2**63, 2**63],
    [1e300, 1],
    [None, None],
    "not a list",
    {"a": 1},
    [True, 1, 1],
    ["2024-01-01T00:00:00+00:00", 1],
    ["\x00", 1],
)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _describe(value: Any) -> str:
    if isinstance(value, str):
        if "\x00" in value:
            return "text-nul"
        if not value:
            return "text-empty"
        if len(value) > 200:
            return f"text-long({len(value)})"
        return "text-odd"
    if isinstance(value, float):
        return f"float({value})"
    if isinstance(value, bytes):
        return f"bytes({len(value)})"
    return f"int({value})"
