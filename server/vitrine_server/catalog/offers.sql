-- name: lock_products
-- Lock products $1 (in id order, so writers queue instead of deadlocking)
-- before their offers are read to refresh them: a concurrent batch that
-- changed another of their offers has committed by then, and is seen.
SELECT id FROM products WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE;

-- name: refresh_best_offers
-- Recompute the denormalised best offer of the given products (cheapest in
-- stock, else cheapest) and their offer count, remembering the previous best
-- price when it changes (the deals feed); bumps version only when something
-- changed. Returns the ids whose row changed. (The best price's history,
-- best_price_points, is record_best_prices.)
WITH ranked AS (
  SELECT DISTINCT ON (o.product_id)
         o.product_id, o.id, o.store_id, o.price_minor, o.original_price_minor, o.in_stock,
         max(o.last_seen_at) OVER w AS last_seen_at,
         count(*) OVER w AS offer_count
    FROM offers o
   WHERE o.product_id = ANY($1::bigint[])
  WINDOW w AS (PARTITION BY o.product_id)
   ORDER BY o.product_id, o.in_stock DESC, o.price_minor, o.id
), target AS (
  SELECT p.id AS product_id, r.id AS offer_id, r.store_id, r.price_minor,
         r.original_price_minor, coalesce(r.in_stock, false) AS in_stock,
         coalesce(r.offer_count, 0)::integer AS offer_count, r.last_seen_at
    FROM products p
    LEFT JOIN ranked r ON r.product_id = p.id
   WHERE p.id = ANY($1::bigint[])
), updated AS (
  UPDATE products p
   SET prev_best_price_minor = CASE WHEN p.best_price_minor IS DISTINCT FROM t.price_minor
                                    THEN p.best_price_minor ELSE p.prev_best_price_minor END,
       best_price_changed_at = CASE WHEN p.best_price_minor IS DISTINCT FROM t.price_minor
                                    THEN now() ELSE p.best_price_changed_at END,
       best_offer_id = t.offer_id,
       best_store_id = t.store_id,
       best_price_minor = t.price_minor,
       best_original_price_minor = t.original_price_minor,
       best_in_stock = t.in_stock,
       offer_count = t.offer_count,
       last_scraped_at = greatest(p.last_scraped_at, t.last_seen_at),
       version = p.version + 1,
       updated_at = now()
  FROM target t
 WHERE p.id = t.product_id
   AND (p.best_offer_id, p.best_store_id, p.best_price_minor, p.best_original_price_minor,
        p.best_in_stock, p.offer_count, p.last_scraped_at)
       IS DISTINCT FROM
       (t.offer_id, t.store_id, t.price_minor, t.original_price_minor,
        t.in_stock, t.offer_count, greatest(p.last_scraped_at, t.last_seen_at))
RETURNING p.id
)
SELECT id FROM updated


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

-- name: record_best_prices
-- The best-price history of products $1 from instant $2 (one per product)
-- on, recomputed from their offers' change points: at every instant the
-- price of the offer that is best by the offers' histories (cheapest in
-- stock, else cheapest, ties to the lower id), a point wherever it changes,
-- stamped with the time of the observation that changed it. An offer whose
-- current price started by $2 contributes its current row, with no lookup.
WITH req AS (
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) AS r (product_id, since)
), offs AS (
  SELECT o.id AS offer_id, r.product_id, r.since, o.price_since, o.price_minor, o.in_stock
    FROM req r JOIN offers o ON o.product_id = r.product_id
), pts AS (
  -- Each offer's price in effect at `since` (stamped `since`) and its later
  -- change points. An offer unchanged since then: its current row.
  SELECT product_id, offer_id, since AS at, price_minor, in_stock
    FROM offs WHERE price_since <= since
  UNION ALL
  SELECT f.product_id, f.offer_id, f.since, p.price_minor, p.in_stock
    FROM offs f CROSS JOIN LATERAL (
      SELECT price_minor, in_stock FROM price_points
       WHERE offer_id = f.offer_id AND valid_from <= f.since
       ORDER BY valid_from DESC LIMIT 1) p
   WHERE f.price_since > f.since
  UNION ALL
  SELECT f.product_id, f.offer_id, p.valid_from, p.price_minor, p.in_stock
    FROM offs f CROSS JOIN LATERAL (
      SELECT valid_from, price_minor, in_stock FROM price_points
       WHERE offer_id = f.offer_id AND valid_from > f.since
       OFFSET 0) p  -- OFFSET 0: one index range per offer, not a join over every partition
   WHERE f.price_since > f.since
), grid AS (
  -- Every offer of the product at every instant one of them changed, with
  -- its own change there if it had one; `n` counts its changes so far.
  SELECT e.product_id, e.at, f.offer_id, p.price_minor, p.in_stock,
         count(p.price_minor) OVER (PARTITION BY f.offer_id ORDER BY e.at) AS n
    FROM (SELECT DISTINCT product_id, at FROM pts) e
    JOIN offs f ON f.product_id = e.product_id
    LEFT JOIN pts p ON p.offer_id = f.offer_id AND p.at = e.at
), state AS (
  -- ...and carried forward: each offer's price in effect at each instant.
  SELECT product_id, at, offer_id,
         first_value(price_minor) OVER (PARTITION BY offer_id, n ORDER BY at) AS price_minor,
         first_value(in_stock) OVER (PARTITION BY offer_id, n ORDER BY at) AS in_stock
    FROM grid WHERE n > 0
), best AS (
  -- The cheapest in stock, else the cheapest; ties to the lower offer id.
  SELECT DISTINCT ON (product_id, at) product_id, at, price_minor
    FROM state
   ORDER BY product_id, at, in_stock DESC, price_minor, offer_id
), changes AS (
  -- Only where the best price changes, against the one recorded before `since`.
  SELECT product_id, at, price_minor
    FROM (SELECT u.*, price_minor IS DISTINCT FROM
                      lag(price_minor) OVER (PARTITION BY product_id ORDER BY at) AS differs
            FROM (SELECT product_id, at, price_minor, false AS prior FROM best
                  UNION ALL
                  SELECT r.product_id, '-infinity', b.price_minor, true
                    FROM req r CROSS JOIN LATERAL (
                      SELECT price_minor FROM best_price_points
                       WHERE product_id = r.product_id AND valid_from < r.since
                       ORDER BY valid_from DESC LIMIT 1) b) u) c
   WHERE differs AND NOT prior
), dropped AS (
  DELETE FROM best_price_points b USING req r
   WHERE b.product_id = r.product_id AND b.valid_from >= r.since
     AND NOT EXISTS (SELECT FROM changes c
                      WHERE c.product_id = b.product_id AND c.at = b.valid_from)
)
INSERT INTO best_price_points AS b (product_id, valid_from, price_minor)
SELECT product_id, at, price_minor FROM changes
ON CONFLICT (product_id, valid_from) DO UPDATE SET price_minor = EXCLUDED.price_minor
 WHERE b.price_minor IS DISTINCT FROM EXCLUDED.price_minor;

-- name: refresh_price_averages
-- The 30-day time-weighted average best price of products $1, from their
-- best-price change points (the one in effect 30 days ago included): per
-- product, one probe for that one and one index range for the rest.
UPDATE products p SET avg_30d_price_minor = a.average
  FROM (
    SELECT r.product_id,
           round(sum(s.price_minor * s.seconds) / nullif(sum(s.seconds), 0))::bigint AS average
      FROM unnest($1::bigint[]) AS r (product_id)
     CROSS JOIN LATERAL (
       SELECT w.price_minor,
              extract(epoch FROM coalesce(lead(w.at) OVER (ORDER BY w.at), now()) - w.at)
                AS seconds
         FROM ((SELECT now() - interval '30 days' AS at, price_minor
                  FROM best_price_points
                 WHERE product_id = r.product_id AND valid_from <= now() - interval '30 days'
                 ORDER BY valid_from DESC LIMIT 1)
               UNION ALL
               (SELECT valid_from, price_minor
                  FROM best_price_points
                 WHERE product_id = r.product_id AND valid_from > now() - interval '30 days')) w
     ) s
     WHERE s.price_minor IS NOT NULL AND s.seconds > 0
     GROUP BY r.product_id
  ) a
 WHERE p.id = a.product_id
   AND p.avg_30d_price_minor IS DISTINCT FROM a.average;

-- name: products_with_recent_best_changes
-- Products whose 30-day average may still move: a best-price change within 31 days.
SELECT DISTINCT product_id FROM best_price_points
 WHERE valid_from > now() - interval '31 days';
