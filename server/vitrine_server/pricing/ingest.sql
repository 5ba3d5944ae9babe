-- name: claim_batch
-- Claim a batch id for this transaction; NULL when it was recorded before
-- (a concurrent duplicate waits here until the first one commits).
INSERT INTO ingest_batches (batch_id) VALUES ($1)
ON CONFLICT (batch_id) DO NOTHING
RETURNING true;

-- name: batch_response
-- The serialized response of a batch recorded before.
SELECT response FROM ingest_batches WHERE batch_id = $1;

-- name: save_batch_response
-- Keep the response, so that a replay answers exactly the same.
UPDATE ingest_batches SET response = $2 WHERE batch_id = $1;

-- name: resolve_offers
-- For each input position: the offer (by id, or by store + external id)
-- with its product and currency, locked for this batch in id order.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY
         AS i (offer_id, store_id, external_id, ord)
), wanted AS (
  SELECT i.ord, o.id, o.product_id, o.currency_code
    FROM input i JOIN offers o ON o.id = i.offer_id
   WHERE i.offer_id > 0
  UNION ALL
  SELECT i.ord, o.id, o.product_id, o.currency_code
    FROM input i JOIN offers o ON o.store_id = i.store_id AND o.external_id = i.external_id
   WHERE i.offer_id = 0
), locked AS (
  -- NO KEY UPDATE, not UPDATE: the products_best_offer_fk check of another
  -- batch needs KEY SHARE on these rows, and blocking it deadlocked writers.
  SELECT id FROM offers WHERE id IN (SELECT id FROM wanted) ORDER BY id FOR NO KEY UPDATE
)
SELECT w.ord, w.id, w.product_id, w.currency_code
  FROM wanted w
 WHERE w.id IN (SELECT id FROM locked);

-- name: record_observations
-- Record observations (sorted by offer, then time) into the change-point history.
SELECT record_price_observations($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[],
                                 $5::bigint[], $6::bigint[], $7::boolean[]);

-- name: refresh_current_prices
-- Each touched offer's current price is its latest change point; returns
-- the products whose offers changed.
UPDATE offers o
   SET price_minor = pp.price_minor,
       original_price_minor = pp.original_price_minor,
       in_stock = pp.in_stock,
       price_since = pp.valid_from,
       observed_at = greatest(o.observed_at, t.last_at),
       last_seen_at = greatest(o.last_seen_at, t.last_at),
       updated_at = now()
  FROM (SELECT offer_id, max(at) AS last_at
          FROM unnest($1::bigint[], $2::timestamptz[]) AS u (offer_id, at)
         GROUP BY offer_id) t
 CROSS JOIN LATERAL (
   SELECT p.price_minor, p.original_price_minor, p.in_stock, p.valid_from
     FROM price_points p
    WHERE p.offer_id = t.offer_id
    ORDER BY p.valid_from DESC
    LIMIT 1) pp
 WHERE o.id = t.offer_id
RETURNING o.product_id;
