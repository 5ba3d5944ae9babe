"""Request bytes into messages, without raising.

grpcio calls a method's request deserializer itself; when it raises, grpcio
answers UNKNOWN ("Unexpected <class 'DecodeError'>") and logs a traceback
per call. Decoding here never raises: bytes that are not a valid message
(truncated, a wrong wire type, invalid UTF-8 in a string such as a lone
surrogate) become an `Undecodable`, which the RPC guard (rpc/guard.py)
refuses with INVALID_ARGUMENT and a throttled log line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import DecodeError


class Undecodable:
    """What arrived instead of a request: why it could not be decoded."""

    __slots__ = ("error",)

    def __init__(self, error: str):
        self.error = error


def decoder(request_type: Any) -> Callable[[bytes], Any]:
    """A deserializer for grpcio that returns an `Undecodable` instead of raising."""
    parse = request_type.FromString

    def decode(data: bytes) -> Any:
        try:
            return parse(data)
        except (DecodeError, RuntimeError) as err:  # upb: DecodeError; nesting too deep: either
            return Undecodable(str(err)[:200])

    return decode
