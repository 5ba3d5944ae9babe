-- name: list_offers
-- A product's offers in comparison order: in stock first, cheapest first, then id.
-- Keyset: ($3 in_stock, $4 price, $5 id) of the last row of the previous page.
SELECT id, product_id, store_id, external_id, url, currency_code, price_minor,
       original_price_minor, discount_bps, in_stock, last_seen_at, created_at, updated_at
  FROM offers
 WHERE product_id = $1
   AND (NOT $2::bool OR in_stock)
   AND ($3::bool IS NULL
        OR in_stock < $3::bool
        OR (in_stock = $3::bool AND (price_minor, id) > ($4::bigint, $5::bigint)))
 ORDER BY in_stock DESC, price_minor, id
 LIMIT $6;

-- name: lock_offers
-- The current state of the offers a batch touches, locked until commit.
SELECT o.id, o.product_id, o.store_id, o.external_id, o.price_minor,
       o.original_price_minor, o.in_stock, o.observed_at, o.price_since
  FROM offers o
  JOIN unnest($1::bigint[], $2::text[]) AS k (store_id, external_id)
    ON o.store_id = k.store_id AND o.external_id = k.external_id
 ORDER BY o.store_id, o.external_id
   -- NO KEY UPDATE: products_best_offer_fk checks elsewhere need KEY SHARE.
   FOR NO KEY UPDATE OF o;

-- name: upsert_offers
-- Insert or update offers keyed by (store_id, external_id). An observation
-- older than the stored one does not overwrite the current price.
INSERT INTO offers AS o (product_id, store_id, external_id, url, currency_code, price_minor,
                         original_price_minor, in_stock, observed_at, price_since, last_seen_at)
SELECT product_id, store_id, external_id, url, currency_code, price_minor,
       original_price_minor, in_stock, observed_at, observed_at, observed_at
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
              $7::bigint[], $8::bool[], $9::timestamptz[])
       AS i (product_id, store_id, external_id, url, currency_code, price_minor,
             original_price_minor, in_stock, observed_at)
ON CONFLICT (store_id, external_id) DO UPDATE SET
  product_id = EXCLUDED.product_id,
  url = EXCLUDED.url,
  currency_code = EXCLUDED.currency_code,
  price_since = CASE
    WHEN EXCLUDED.observed_at >= o.observed_at
     AND (EXCLUDED.price_minor, EXCLUDED.in_stock) IS DISTINCT FROM (o.price_minor, o.in_stock)
    THEN EXCLUDED.observed_at ELSE o.price_since END,
  price_minor = CASE WHEN EXCLUDED.observed_at >= o.observed_at
                     THEN EXCLUDED.price_minor ELSE o.price_minor END,
  original_price_minor = CASE WHEN EXCLUDED.observed_at >= o.observed_at
                              THEN EXCLUDED.original_price_minor ELSE o.original_price_minor END,
  in_stock = CASE WHEN EXCLUDED.observed_at >= o.observed_at
                  THEN EXCLUDED.in_stock ELSE o.in_stock END,
  observed_at = greatest(o.observed_at, EXCLUDED.observed_at),
  last_seen_at = greatest(o.last_seen_at, EXCLUDED.observed_at),
  updated_at = now()
RETURNING o.id, o.product_id, o.store_id, o.external_id, o.url, o.currency_code, o.price_minor,
          o.original_price_minor, o.discount_bps, o.in_stock, o.last_seen_at, o.created_at,
          o.updated_at, o.price_since, o.observed_at;

-- name: insert_price_points
-- New change points (an offer's price or stock changed at valid_from).
INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                          price_minor, original_price_minor, in_stock)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $3::timestamptz[],
                     $4::text[], $5::bigint[], $6::bigint[], $7::bool[])
ON CONFLICT (offer_id, valid_from) DO NOTHING;

-- name: touch_price_points
-- Unchanged observations only extend how long the current change point was seen.
UPDATE price_points pp SET last_seen_at = greatest(pp.last_seen_at, t.seen)
  FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS t (offer_id, since, seen)
 WHERE pp.offer_id = t.offer_id AND pp.valid_from = t.since;

-- name: products_currency
-- Live products among $1 with their currency (to validate offers).
SELECT id, currency_code FROM products WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL;

-- name: stores_currency
-- Stores among $1 with their currency.
SELECT id, currency_code FROM stores WHERE id = ANY($1::bigint[]);

-- name: product_exists
-- Whether a live product exists.
SELECT EXISTS (SELECT 1 FROM products WHERE id = $1 AND deleted_at IS NULL);

