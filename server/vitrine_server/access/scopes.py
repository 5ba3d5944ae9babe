"""Scopes as bits, and the scope each method requires (a proto method option).

Every RPC declares `option (vitrine.type.v1.required_scope) = SCOPE_...`.
A method without it is admin-only: a forgotten annotation fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from vitrine.type.v1 import access_pb2

READ, WRITE, INGEST, ADMIN = 1, 2, 4, 8

BY_NAME = {"read": READ, "write": WRITE, "ingest": INGEST, "admin": ADMIN}
NAME_OF = {bit: name for name, bit in BY_NAME.items()}
_BY_ENUM = {
    access_pb2.SCOPE_READ: READ,
    access_pb2.SCOPE_WRITE: WRITE,
    access_pb2.SCOPE_INGEST: INGEST,
    access_pb2.SCOPE_ADMIN: ADMIN,
}
ENUM_OF = {bit: enum for enum, bit in _BY_ENUM.items()}


def declared(method: MethodDescriptor) -> int | None:
    """The method's required scope bit, or None if it declares none."""
    value = method.GetOptions().Extensions[access_pb2.required_scope]
    return _BY_ENUM.get(value)


def required(method: MethodDescriptor) -> int:
    """The scope bit a caller needs; admin for a method that declares none."""
    return declared(method) or ADMIN


def allows(granted: int, needed: int) -> bool:
    """Admin implies every scope; the others are independent."""
    return bool(granted & (needed | ADMIN))


def undeclared(services: Iterable[ServiceDescriptor]) -> list[str]:
    """Methods of `services` without a required_scope (should be none)."""
    return [m.full_name for service in services for m in service.methods if declared(m) is None]


def from_enum(value: int) -> int | None:
    """The bit of a Scope enum value; None for SCOPE_UNSPECIFIED or unknown values."""
    return _BY_ENUM.get(value)  # type: ignore[call-overload]


def from_names(names: Iterable[str]) -> int:
    bits = 0
    for name in names:
        bits |= BY_NAME[name]
    return bits


def names(bits: int) -> list[str]:
    return [name for bit, name in sorted(NAME_OF.items()) if bits & bit]
