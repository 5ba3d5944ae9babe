-- name: offer
-- One offer with its store and currency.
SELECT id, product_id, store_id, currency_code FROM offers WHERE id = $1;

-- name: product
-- A live product with its currency and best current offer.
SELECT id, currency_code, best_offer_id, best_store_id, best_price_minor
  FROM products WHERE id = $1 AND deleted_at IS NULL;

-- name: product_offers
-- A product's offers.
SELECT id, store_id, currency_code FROM offers WHERE product_id = $1 ORDER BY id;

-- name: points_in_range
-- Change points of offers $1 in [$2, $3), plus each one's point in effect at $2.
SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
  FROM price_points
 WHERE offer_id = ANY($1::bigint[]) AND valid_from >= $2 AND valid_from < $3
UNION ALL
SELECT p.offer_id, p.valid_from, p.price_minor, p.original_price_minor, p.in_stock
  FROM unnest($1::bigint[]) AS o (id)
 CROSS JOIN LATERAL (
   SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
     FROM price_points
    WHERE offer_id = o.id AND valid_from < $2
    ORDER BY valid_from DESC
    LIMIT 1) p
 ORDER BY offer_id, valid_from;

-- name: extreme_prices
-- The lowest and the highest in-stock price any offer of product $1 ever had.
(SELECT 'low' AS which, pp.offer_id, o.store_id, pp.price_minor, pp.valid_from
   FROM price_points pp JOIN offers o ON o.id = pp.offer_id
  WHERE pp.product_id = $1 AND pp.in_stock
  ORDER BY pp.price_minor, pp.valid_from
  LIMIT 1)
UNION ALL
(SELECT 'high', pp.offer_id, o.store_id, pp.price_minor, pp.valid_from
   FROM price_points pp JOIN offers o ON o.id = pp.offer_id
  WHERE pp.product_id = $1 AND pp.in_stock
  ORDER BY pp.price_minor DESC, pp.valid_from
  LIMIT 1);

-- name: offer_points_columns
-- An offer's change points in [$2, $3) as columns (migrations/0013): one row
-- of arrays that asyncpg decodes in C, and the times as one bytea of
-- big-endian microseconds since 2000-01-01 (series.pg_micros), so a year of
-- hourly prices costs no Python object per point until the response.
SELECT times, prices, originals, stock FROM offer_price_history($1, $2, $3);
