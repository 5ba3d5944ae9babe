"""Domain errors -> google.rpc.Status with typed details.

Every error carries a RequestInfo whose request_id is also in the server's
log line for it (AIP-193), so a caller's report can be found. The details
(ErrorInfo, BadRequest, ResourceInfo, RetryInfo, QuotaFailure, RequestInfo)
are standard google.rpc types; importing error_details_pb2 registers them in
the default descriptor pool, so server reflection can resolve them and
grpcurl prints them.
"""

from __future__ import annotations

import secrets

from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from vitrine_server import errors


def _pack(message) -> any_pb2.Any:  # type: ignore[no-untyped-def]
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def new_request_id() -> str:
    """An id for one failed call: in its RequestInfo and its log line."""
    return secrets.token_hex(8)


def _request_info(request_id: str) -> any_pb2.Any:
    return _pack(error_details_pb2.RequestInfo(request_id=request_id))


# Every error stays a few KiB whatever the request held: text that may echo
# the caller's input is clipped (in UTF-8 bytes), and field violations stop
# at a byte budget (errors.MAX_VIOLATIONS caps their number before that).
MAX_MESSAGE_BYTES = 512
MAX_FIELD_BYTES = 120
MAX_DESCRIPTION_BYTES = 200
MAX_NAME_BYTES = 200
VIOLATIONS_BUDGET_BYTES = 2000


def _clip(text: str, limit: int) -> str:
    """`text` in at most `limit` UTF-8 bytes, marked with "…" when cut."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def _bad_request(err: errors.InvalidArgument) -> error_details_pb2.BadRequest:
    out = error_details_pb2.BadRequest()
    spent = 0
    for v in err.violations:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=_clip(v.field, MAX_FIELD_BYTES),
            description=_clip(v.description, MAX_DESCRIPTION_BYTES),
        )
        spent += violation.ByteSize()
        if spent > VIOLATIONS_BUDGET_BYTES and out.field_violations:
            break
        out.field_violations.append(violation)
    return out


def _specific(err: errors.VitrineError, metadata: dict[str, str]) -> list[Message]:
    """The details beside ErrorInfo that this kind of error carries."""
    if isinstance(err, errors.InvalidArgument):
        bad_request = _bad_request(err)
        if err.total > len(bad_request.field_violations):
            # Only the first violations travel: say how many there were.
            metadata["violations"] = str(err.total)
        return [bad_request]
    if isinstance(err, (errors.NotFound, errors.AlreadyExists)):
        return [
            error_details_pb2.ResourceInfo(
                resource_type=err.resource_type,
                resource_name=_clip(err.resource_name, MAX_NAME_BYTES),
                description=_clip(err.message, MAX_MESSAGE_BYTES),
            )
        ]
    if isinstance(err, errors.ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, int(err.retry_after * 1e9)))
        violation = error_details_pb2.QuotaFailure.Violation(
            subject=err.subject, description=_clip(err.message, MAX_MESSAGE_BYTES)
        )
        return [
            error_details_pb2.RetryInfo(retry_delay=delay),
            error_details_pb2.QuotaFailure(violations=[violation]),
        ]
    if isinstance(err, errors.Unavailable) and err.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, int(err.retry_after * 1e9)))
        return [error_details_pb2.RetryInfo(retry_delay=delay)]
    return []


def to_status(err: errors.VitrineError, request_id: str):  # type: ignore[no-untyped-def]
    """A grpc.Status for `context.abort_with_status`."""
    metadata = {k: _clip(v, MAX_NAME_BYTES) for k, v in err.metadata.items()}
    specific = _specific(err, metadata)
    info = error_details_pb2.ErrorInfo(reason=err.reason, domain=errors.DOMAIN, metadata=metadata)
    status = status_pb2.Status(
        code=err.code.value[0],
        message=_clip(err.message, MAX_MESSAGE_BYTES),
        details=[*(_pack(d) for d in (info, *specific)), _request_info(request_id)],
    )
    return rpc_status.to_status(status)


def internal_status(request_id: str):  # type: ignore[no-untyped-def]
    """What a caller sees of a bug: no trace, no SQL; the request id finds the log."""
    return rpc_status.to_status(
        status_pb2.Status(
            code=code_pb2.INTERNAL,
            message="internal error",
            details=[
                _pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=errors.DOMAIN)),
                _request_info(request_id),
            ],
        )
    )
