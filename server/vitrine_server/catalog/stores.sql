-- name: create_store
-- Insert a store; the slug is unique.
INSERT INTO stores (slug, name, country_code, currency_code, url) VALUES ($1, $2, $3, $4, $5)
RETURNING id, slug, name, country_code, currency_code, url, created_at;

-- name: get_store
-- One store.
SELECT id, slug, name, country_code, currency_code, url, created_at FROM stores WHERE id = $1;

-- name: list_stores
-- Keyset page of stores by slug, after $1.
SELECT id, slug, name, country_code, currency_code, url, created_at
  FROM stores
 WHERE $1::text IS NULL OR slug > $1
 ORDER BY slug
 LIMIT $2;
