-- name: get_products
-- Products by id, deleted ones included (the caller decides what to show).
-- When it was last scraped is its offers' latest sighting: price ingestion
-- moves offers.last_seen_at only, not the wide products row.
SELECT id, slug, name, description, brand, category_id, attributes, image_url,
       rating::float8 AS rating, review_count, currency_code, external_id, source_store_id,
       best_offer_id, best_store_id, best_price_minor, best_original_price_minor,
       best_in_stock, offer_count, discount_bps,
       greatest(p.last_scraped_at,
                (SELECT max(o.last_seen_at) FROM offers o WHERE o.product_id = p.id))
         AS last_scraped_at,
       version, created_at, updated_at, deleted_at
  FROM products p
 WHERE p.id = ANY($1::bigint[]);

-- name: product_state
-- Whether a product exists, is deleted, and its version: to tell NOT_FOUND from ABORTED.
SELECT version, deleted_at IS NOT NULL AS deleted FROM products WHERE id = $1;

-- name: create_product
-- Insert a product; unique slug and (source store, external id), foreign keys checked by PostgreSQL.
INSERT INTO products (slug, name, description, brand, category_id, attributes, image_url,
                      rating, review_count, currency_code, external_id, source_store_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::float8::numeric(2, 1), $9, $10, $11, $12)
RETURNING id;

-- name: update_product
-- Update the fields named in $2 (a validated list of mask paths), only if the
-- product is live and, when $3 is not null, its version is $3.
UPDATE products SET
  slug            = CASE WHEN 'slug' = ANY($2::text[]) THEN $4 ELSE slug END,
  name            = CASE WHEN 'name' = ANY($2::text[]) THEN $5 ELSE name END,
  description     = CASE WHEN 'description' = ANY($2::text[]) THEN $6 ELSE description END,
  brand           = CASE WHEN 'brand' = ANY($2::text[]) THEN $7 ELSE brand END,
  category_id     = CASE WHEN 'category_id' = ANY($2::text[]) THEN $8 ELSE category_id END,
  attributes      = CASE WHEN 'attributes' = ANY($2::text[]) THEN $9::jsonb ELSE attributes END,
  image_url       = CASE WHEN 'image_url' = ANY($2::text[]) THEN $10 ELSE image_url END,
  rating          = CASE WHEN 'rating' = ANY($2::text[]) THEN $11::float8::numeric(2, 1)
                         ELSE rating END,
  review_count    = CASE WHEN 'review_count' = ANY($2::text[]) THEN $12 ELSE review_count END,
  external_id     = CASE WHEN 'external_id' = ANY($2::text[]) THEN $13 ELSE external_id END,
  source_store_id = CASE WHEN 'source_store_id' = ANY($2::text[]) THEN $14
                         ELSE source_store_id END,
  version = version + 1,
  updated_at = now()
WHERE id = $1 AND deleted_at IS NULL AND ($3::bigint IS NULL OR version = $3)
RETURNING id;

-- name: delete_product
-- Soft delete, if live and (when $2 is not null) at version $2.
UPDATE products SET deleted_at = now(), version = version + 1, updated_at = now()
 WHERE id = $1 AND deleted_at IS NULL AND ($2::bigint IS NULL OR version = $2)
RETURNING id;

-- name: undelete_product
-- Restore a soft-deleted product.
UPDATE products SET deleted_at = NULL, version = version + 1, updated_at = now()
 WHERE id = $1 AND deleted_at IS NOT NULL
RETURNING id;

-- fragment: list_filters
-- The filters of ListProducts, the same in every order: $1 category (and
-- its descendants), $2 lower-case brands, $3 best stores, $4-$5 best price
-- bounds in currency $6, $7 in stock only, $8 deleted ones too.
($1::bigint IS NULL OR category_id IN (SELECT id FROM categories WHERE path @> ARRAY[$1::bigint]))
   AND ($2::text[] IS NULL OR lower(brand) = ANY($2::text[]))
   AND ($3::bigint[] IS NULL OR best_store_id = ANY($3::bigint[]))
   AND ($4::bigint IS NULL OR best_price_minor >= $4)
   AND ($5::bigint IS NULL OR best_price_minor <= $5)
   AND ($6::text IS NULL OR currency_code = $6)
   AND (NOT $7::bool OR best_in_stock)
   AND ($8::bool OR deleted_at IS NULL)

-- name: list_products_by_price
-- Keyset page in best-price order (products without offers last).
SELECT id, price_sort AS sort_key
  FROM products
 WHERE {{list_filters}}
   AND ($9::bigint IS NULL OR (price_sort, id) > ($9::bigint, $10::bigint))
 ORDER BY price_sort, id
 LIMIT $11;

-- name: list_products_by_rating
-- Keyset page in rating order, best first.
SELECT id, rating AS sort_key
  FROM products
 WHERE {{list_filters}}
   AND ($9::numeric IS NULL OR (rating, id) < ($9::numeric, $10::bigint))
 ORDER BY rating DESC, id DESC
 LIMIT $11;

-- name: list_products_by_newest
-- Keyset page in creation order, newest first.
SELECT id, created_at AS sort_key
  FROM products
 WHERE {{list_filters}}
   AND ($9::timestamptz IS NULL OR (created_at, id) < ($9::timestamptz, $10::bigint))
 ORDER BY created_at DESC, id DESC
 LIMIT $11;

-- name: list_products_by_discount
-- Keyset page by discount of the best offer, largest first.
SELECT id, discount_bps AS sort_key
  FROM products
 WHERE {{list_filters}}
   AND ($9::integer IS NULL OR (discount_bps, id) < ($9::integer, $10::bigint))
 ORDER BY discount_bps DESC, id DESC
 LIMIT $11;

-- name: live_products_with_categories
-- Live products among $1 with their category path (for trending and favorites).
SELECT p.id, c.path
  FROM products p JOIN categories c ON c.id = p.category_id
 WHERE p.id = ANY($1::bigint[]) AND p.deleted_at IS NULL;
