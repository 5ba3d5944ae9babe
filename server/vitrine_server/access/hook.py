"""The call hook that guards every method of every Vitrine service: an API
key (UNAUTHENTICATED without a valid one), its scope (PERMISSION_DENIED
without the method's), then its rate limit (RESOURCE_EXHAUSTED).

It runs before any validation of the request, so a caller without a key
learns nothing about the API's rules. Health and reflection are registered
by grpcio itself and stay open.

The per-call cost when the key is known: a SHA-256 of the token, two dict
lookups, one bit test, and the rate limiter's answer, which is usually
taken from the key's lease in this process: Redis is asked once per lease
for many calls, not once per call (access/ratelimit.py).
"""

from __future__ import annotations

import contextvars
import logging

import grpc
from google.protobuf.descriptor import MethodDescriptor

from vitrine_server import errors
from vitrine_server.access import scopes
from vitrine_server.access.authenticator import Authenticator, Principal, token_from
from vitrine_server.access.ratelimit import RateLimiter

log = logging.getLogger("vitrine.access")

# The verified caller of the current call (for handlers that record who did what).
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "current_principal", default=None
)


class AccessControl:
    def __init__(self, authenticator: Authenticator, limiter: RateLimiter | None):
        self.auth = authenticator
        self.limiter = limiter
        self._required: dict[MethodDescriptor, int] = {}

    def _learn(self, method: MethodDescriptor) -> int:
        needed = scopes.declared(method)
        if needed is None:
            log.error(
                "%s declares no required_scope: only admin keys may call it", method.full_name
            )
            needed = scopes.ADMIN
        self._required[method] = needed
        return needed

    async def before(self, method: MethodDescriptor, context: grpc.aio.ServicerContext) -> None:
        needed = self._required.get(method) or self._learn(method)
        token = token_from(context.invocation_metadata())
        d, principal = self.auth.cached(token)
        if principal is None:
            assert token is not None
            principal = await self.auth.verify(token, d)
        if not scopes.allows(principal.scopes, needed):
            raise errors.PermissionDenied(
                f"API key {principal.key_id} lacks the {scopes.NAME_OF[needed]} scope "
                f"that {method.name} needs",
                reason="SCOPE_MISSING",
                metadata={"required_scope": scopes.NAME_OF[needed]},
            )
        current_principal.set(principal)
        if self.limiter is not None:
            await self.limiter.acquire(principal, write=needed != scopes.READ)

    # Only admits: the guard never calls the no-op `after` below.
    observes_calls = False

    def after(self, method: MethodDescriptor, code: grpc.StatusCode, seconds: float) -> None:
        pass
