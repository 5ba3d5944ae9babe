"""Where the page-token secret comes from.

Every process that may see a token must verify it: the workers of one
server, and every instance behind a load balancer, since the next page may
land anywhere. So the secret is shared:

- `VITRINE_PAGE_TOKEN_SECRET` set: that value (at least 32 characters;
  several, comma-separated, sign with the first and verify with any, for
  rotation). Use it where tokens must outlive the database or where secrets
  are managed outside it.
- Unset (local development, and a safe default in production): 32 random
  bytes generated once and kept in PostgreSQL (`service_secrets`, migration
  0015), read by every process on first use. Every instance on the same
  database shares it, and it survives restarts. Deleting the row and
  restarting the servers rotates it; tokens in flight then answer
  INVALID_ARGUMENT and clients start again from the first page. Anyone who
  can read the database can forge page tokens, which gives them nothing they
  could not read anyway: a token only says where a page starts.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from vitrine_server import errors
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries

Q = load_queries(__package__, "paging_secret.sql")

NAME = "page_tokens"
SECRET_BYTES = 32


async def load(settings: Settings, db: Database) -> Sequence[bytes]:
    """The secrets that sign (the first) and verify page tokens."""
    configured = settings.page_token_secrets()
    if configured:
        return [s.encode() for s in configured]
    for _ in range(3):  # the row can be deleted (a rotation) between the two statements
        await db.fetchval(Q.create_secret, NAME, secrets.token_bytes(SECRET_BYTES))
        stored = await db.fetchval(Q.get_secret, NAME)
        if stored is not None:
            return [bytes(stored)]
    raise errors.Unavailable(
        "the page token secret could not be read; retry", reason="PAGE_TOKEN_SECRET_UNAVAILABLE"
    )
