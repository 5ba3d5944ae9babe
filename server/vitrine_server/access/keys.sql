-- name: find_key
-- One key by its public id, for verifying a token.
SELECT id, token_sha256, scopes, requests_per_minute, burst, expires_at, revoked_at
  FROM api_keys WHERE id = $1;

-- name: create_key
-- Store a new key (its token's hash only).
INSERT INTO api_keys (id, name, token_sha256, scopes, requests_per_minute, burst, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, name, scopes, requests_per_minute, burst, created_by, created_at, expires_at, revoked_at;

-- name: list_keys
-- Keyset page of keys by id after $1; revoked ones only if $2.
SELECT id, name, scopes, requests_per_minute, burst, created_by, created_at, expires_at, revoked_at
  FROM api_keys
 WHERE ($1::text IS NULL OR id > $1) AND ($2 OR revoked_at IS NULL)
 ORDER BY id
 LIMIT $3;

-- name: revoke_key
-- Revoke a key (a revoked key keeps its first revocation time).
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
 WHERE id = $1
RETURNING id, name, scopes, requests_per_minute, burst, created_by, created_at, expires_at, revoked_at;
