"""Domain errors -> google.rpc.Status with typed details.

The details (ErrorInfo, BadRequest, ResourceInfo, RetryInfo, QuotaFailure)
are standard google.rpc types; importing error_details_pb2 registers them in
the default descriptor pool, so server reflection can resolve them and
grpcurl prints them.
"""

from __future__ import annotations

from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from vitrine_server import errors


def _pack(message) -> any_pb2.Any:  # type: ignore[no-untyped-def]
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_status(err: errors.VitrineError):  # type: ignore[no-untyped-def]
    """A grpc.Status for `context.abort_with_status`."""
    details = [
        _pack(
            error_details_pb2.ErrorInfo(
                reason=err.reason, domain=errors.DOMAIN, metadata=err.metadata
            )
        )
    ]
    if isinstance(err, errors.InvalidArgument):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in err.violations
                    ]
                )
            )
        )
    elif isinstance(err, (errors.NotFound, errors.AlreadyExists)):
        details.append(
            _pack(
                error_details_pb2.ResourceInfo(
                    resource_type=err.resource_type,
                    resource_name=err.resource_name,
                    description=err.message,
                )
            )
        )
    elif isinstance(err, errors.ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, int(err.retry_after * 1e9)))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
        details.append(
            _pack(
                error_details_pb2.QuotaFailure(
                    violations=[
                        error_details_pb2.QuotaFailure.Violation(
                            subject=err.subject, description=err.message
                        )
                    ]
                )
            )
        )
    elif isinstance(err, errors.Unavailable) and err.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, int(err.retry_after * 1e9)))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    code = err.code.value[0]
    status = status_pb2.Status(code=code, message=err.message, details=details)
    return rpc_status.to_status(status)


def internal_status():  # type: ignore[no-untyped-def]
    """What a caller sees of a bug: no trace, no SQL."""
    return rpc_status.to_status(
        status_pb2.Status(
            code=code_pb2.INTERNAL,
            message="internal error",
            details=[_pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=errors.DOMAIN))],
        )
    )
