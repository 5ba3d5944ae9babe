-- Secrets every instance of a deployment must share, generated once by the
-- first process that needs one. Today: the key that signs page tokens when
-- VITRINE_PAGE_TOKEN_SECRET is not set (server/vitrine_server/rpc/paging_secret.py).
CREATE TABLE service_secrets (
  name       text PRIMARY KEY,
  secret     bytea NOT NULL CHECK (octet_length(secret) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
