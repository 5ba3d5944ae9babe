-- name: create_secret
-- Store a freshly generated secret under $1 unless one is there already.
INSERT INTO service_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING;

-- name: get_secret
-- The secret stored under $1.
SELECT secret FROM service_secrets WHERE name = $1;
