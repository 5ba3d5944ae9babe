-- API keys: only a SHA-256 of each token is stored (tokens are 256-bit
-- random, so a fast hash is enough: there is nothing to brute-force).
-- A key is looked up by its public id (the middle of `vtr_<id>_<secret>`),
-- then the token's hash is compared in constant time.
CREATE TABLE api_keys (
  id                  text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{1,32}$'),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_sha256        bytea NOT NULL CHECK (length(token_sha256) = 32),
  scopes              text[] NOT NULL
                      CHECK (cardinality(scopes) > 0
                             AND scopes <@ ARRAY['read', 'write', 'ingest', 'admin']),
  -- 0: the server's defaults.
  requests_per_minute integer NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),
  burst               integer NOT NULL DEFAULT 0 CHECK (burst >= 0),
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz,
  revoked_at          timestamptz
);

-- Long-running operations (AdminService.ReindexSearch, polled with
-- GetOperation). A running operation's heartbeat moves updated_at; one
-- whose heartbeat stopped (its server died) is closed as aborted.
CREATE TABLE operations (
  id             text PRIMARY KEY,
  kind           text NOT NULL,
  done           boolean NOT NULL DEFAULT false,
  processed      bigint NOT NULL DEFAULT 0,
  total          bigint NOT NULL DEFAULT 0,
  result         jsonb,
  error_code     integer,
  error_message  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  CHECK (done = (finished_at IS NOT NULL))
);
-- At most one running operation of a kind.
CREATE UNIQUE INDEX operations_running_kind_idx ON operations (kind) WHERE NOT done;
