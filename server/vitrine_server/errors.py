"""The domain's errors: what services raise, and what the RPC layer turns
into gRPC status codes with google.rpc details (see rpc/status.py).

Driver errors never travel past a store: asyncpg and redis exceptions are
translated into these at the store boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

# ErrorInfo.domain of every error this service raises.
DOMAIN = "vitrine"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class VitrineError(Exception):
    """Base of every error a caller may see. `reason` is ErrorInfo.reason."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str, *, reason: str, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.metadata = metadata or {}


# An error is never bigger than the request that caused it, nor than what a
# client accepts in trailers (grpc C-core: 16 KiB, then RESOURCE_EXHAUSTED):
# at most this many field violations travel; `total` says how many there were.
MAX_VIOLATIONS = 20


def _brief(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InvalidArgument(VitrineError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(
        self,
        violations: list[FieldViolation],
        *,
        reason: str = "INVALID_ARGUMENT",
        total: int | None = None,
    ):
        total = max(total or 0, len(violations))
        violations = violations[:MAX_VIOLATIONS]
        # The count first: a client may clip the message (rpc/status.py does).
        head = "invalid request" if total == 1 else f"invalid request ({total:,} problems)"
        summary = "; ".join(_brief(f"{v.field}: {v.description}") for v in violations[:3])
        super().__init__(f"{head}: {summary}", reason=reason)
        self.violations = violations
        self.total = total


class NotFound(VitrineError):
    code = grpc.StatusCode.NOT_FOUND

    def __init__(self, resource_type: str, resource_name: str, *, reason: str | None = None):
        super().__init__(
            f"{resource_type} {resource_name} not found",
            reason=reason or f"{resource_type.upper()}_NOT_FOUND",
        )
        self.resource_type = resource_type
        self.resource_name = resource_name


class AlreadyExists(VitrineError):
    code = grpc.StatusCode.ALREADY_EXISTS

    def __init__(self, resource_type: str, resource_name: str, message: str):
        super().__init__(message, reason=f"{resource_type.upper()}_ALREADY_EXISTS")
        self.resource_type = resource_type
        self.resource_name = resource_name


class FailedPrecondition(VitrineError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(VitrineError):
    """A concurrent writer won (etag mismatch, serialization failure): re-read and retry."""

    code = grpc.StatusCode.ABORTED


class Unavailable(VitrineError):
    """A backing store is unreachable; retryable with backoff. With
    `retry_after`, the answer says when to try again (RetryInfo)."""

    code = grpc.StatusCode.UNAVAILABLE

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        metadata: dict[str, str] | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after = retry_after


class ShuttingDown(Unavailable):
    """This server process is stopping: retry, another one will answer."""

    def __init__(self) -> None:
        super().__init__(
            "this server is shutting down; retry (another server will answer)",
            reason="SHUTTING_DOWN",
        )


class Unauthenticated(VitrineError):
    """No API key, or one that is unknown, malformed, expired or revoked."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(VitrineError):
    """A valid API key without the scope the method needs."""

    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(VitrineError):
    """A rate limit: retry after `retry_after` seconds (RetryInfo, QuotaFailure)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, *, reason: str, retry_after: float, subject: str):
        super().__init__(message, reason=reason)
        self.retry_after = retry_after
        self.subject = subject


class DeadlineExceeded(VitrineError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED

    def __init__(self, message: str = "the call's deadline passed before the work finished"):
        super().__init__(message, reason="DEADLINE_EXCEEDED")


@dataclass(slots=True)
class Violations:
    """Collects field violations while validating a request; raise once at the end.

    Keeps the first MAX_VIOLATIONS and counts the rest, so a request with
    100,000 bad items costs a counter, not 100,000 objects."""

    items: list[FieldViolation] = field(default_factory=list)
    total: int = 0

    def add(self, field_path: str, description: str) -> None:
        self.total += 1
        if len(self.items) < MAX_VIOLATIONS:
            self.items.append(FieldViolation(field_path, description))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise InvalidArgument(self.items, total=self.total)
