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

-- name: offer_months
-- Offer $1 (no row if there is none) with its change points for [$2, $3),
-- packed as columns (price_point_months, migrations/0014 and 0019): the
-- rows from the one holding the point in effect at $2 (the last one whose
-- first point is before it; all of them when none is) to the last one
-- starting before $3, in time order (one row of NULLs when there are
-- none). A year is 13 or 14 rows, more for a month of hundreds of changes
-- (its chunks of 64), in one round trip with the offer.
SELECT o.id, o.store_id, o.currency_code, m.times, m.prices, m.originals, m.stock
  FROM offers o
  LEFT JOIN LATERAL (
    SELECT first_at, times, prices, originals, stock
      FROM price_point_months
     WHERE offer_id = o.id
       AND first_at >= coalesce((SELECT max(first_at) FROM price_point_months
                                  WHERE offer_id = o.id AND first_at < $2), '-infinity')
       AND first_at < $3) m ON true
 WHERE o.id = $1
 ORDER BY m.first_at;
