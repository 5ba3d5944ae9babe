-- name: lock_demo_seed
-- Serialise seeders started at once by several instances: the later ones wait
-- here, then find products and do nothing. Released when the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('vitrine:demo-seed'));

-- name: catalog_has_products
-- Whether any product exists, soft-deleted ones included.
SELECT EXISTS (SELECT 1 FROM products);

-- name: ensure_history_partitions
-- Monthly price_points partitions covering the demo history window; the
-- migration only created them around the date it ran.
SELECT ensure_price_point_partitions($1::date, $2::date);

-- name: upsert_store
-- A demo store, or the id of the store already holding its slug (kept as it
-- is: the no-op update exists only so that RETURNING reports the id).
INSERT INTO stores (slug, name, country_code, currency_code, url)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
RETURNING id;

-- name: upsert_category
-- A demo category under $1 (NULL for a root), or the id of the category
-- already holding its slug. The categories_set_path trigger fills path.
INSERT INTO categories (parent_id, slug, name)
VALUES ($1, $2, $3)
ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
RETURNING id;

-- name: create_product_stage
-- COPY target for products, with attributes as text: binary COPY straight
-- into a jsonb column fails once the connection has a text-format jsonb
-- codec (as the pool's init registers), so the cast happens in SQL instead.
CREATE TEMPORARY TABLE demo_product_stage (
  slug            text NOT NULL,
  name            text NOT NULL,
  description     text NOT NULL,
  brand           text NOT NULL,
  category_id     bigint NOT NULL,
  attributes      text NOT NULL,
  image_url       text NOT NULL,
  rating          numeric(2, 1) NOT NULL,
  review_count    integer NOT NULL,
  currency_code   text NOT NULL,
  external_id     text NOT NULL,
  source_store_id bigint NOT NULL,
  created_at      timestamptz NOT NULL
) ON COMMIT DROP;

-- name: insert_staged_products
-- Staged products into products (ids from the identity; best offer columns
-- left for refresh_best_offers). Returns each new id with its slug.
INSERT INTO products (slug, name, description, brand, category_id, attributes, image_url,
                      rating, review_count, currency_code, external_id, source_store_id,
                      created_at, updated_at)
SELECT slug, name, description, brand, category_id, attributes::jsonb, image_url,
       rating, review_count, currency_code, external_id, source_store_id,
       created_at, created_at
  FROM demo_product_stage
RETURNING id, slug;

-- name: offer_keys
-- Ids of the offers of the given products, with the key they were planned by.
SELECT id, store_id, external_id FROM offers WHERE product_id = ANY($1::bigint[]);

-- name: settle_best_price_changes
-- The deals feed's view of the loaded history. refresh_best_offers only
-- knows the change it makes itself (from no best price to one); the demo
-- history holds weeks of changes before that. So each product's previous
-- best price, and when its best price last changed, come from its
-- best-price history (record_best_prices): its last two points.
WITH ranked AS (
  SELECT product_id, valid_from, price_minor,
         row_number() OVER (PARTITION BY product_id ORDER BY valid_from DESC) AS n
    FROM best_price_points
   WHERE product_id = ANY($1::bigint[])
)
UPDATE products p
   SET prev_best_price_minor = prev.price_minor,
       best_price_changed_at = cur.valid_from
  FROM ranked cur
  LEFT JOIN ranked prev ON prev.product_id = cur.product_id AND prev.n = 2
 WHERE cur.n = 1 AND p.id = cur.product_id AND p.best_price_minor = cur.price_minor;

-- name: analyze_catalog
-- Fresh statistics, so the first demo queries are planned on real row counts
-- rather than waiting for autovacuum.
ANALYZE stores, categories, products, offers, price_points;
