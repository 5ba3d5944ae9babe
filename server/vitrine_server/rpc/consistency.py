"""The call hook of consistency tokens (db/consistency.py), installed when
replicas are configured: it reads the token a caller sends, so the call's
reads see those writes, and puts the primary's WAL position after each of
the call's commits in its `vitrine-consistency-token` trailer."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor

from vitrine_server import errors
from vitrine_server.db import consistency
from vitrine_server.db.consistency import TOKEN_KEY, parse_lsn


class ConsistencyTokens:
    observes_calls = False

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None:
        sent = None
        metadata: Any = context.invocation_metadata() or ()
        for key, value in metadata:
            if key == TOKEN_KEY:
                sent = value
        lsn = None
        if sent is not None:
            lsn = parse_lsn(sent if isinstance(sent, str) else sent.decode(errors="replace"))
            if lsn is None:
                raise errors.InvalidArgument(
                    [
                        errors.FieldViolation(
                            TOKEN_KEY,
                            "is not a consistency token (send back the trailer of a write, "
                            'e.g. "0/16B3748")',
                        )
                    ]
                )
        consistency.require(lsn)

        def committed(position: str) -> None:
            context.set_trailing_metadata(((TOKEN_KEY, position),))

        consistency.on_commit(committed)

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None:
        pass
