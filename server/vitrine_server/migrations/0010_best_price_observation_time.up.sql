-- The best-price history by observation time. Until now best_price_points
-- was stamped with the time the service processed a change, so a late or
-- back-filled observation put the change at the wrong instant (or lost it).
-- From now on the service recomputes a product's best-price history from
-- its offers' change points (catalog/offers.sql, record_best_prices); here
-- the existing history is rebuilt the same way, from the beginning.
-- Ingestion became set-based (pricing/ingest.sql, record_observations): the
-- per-observation functions of 0002 go.
DROP FUNCTION record_price_observations(bigint[], bigint[], timestamptz[], text[], bigint[],
                                        bigint[], boolean[]);
DROP FUNCTION record_price_observation(bigint, bigint, timestamptz, text, bigint, bigint, boolean);

DELETE FROM best_price_points;

WITH pts AS (
  SELECT o.product_id, o.id AS offer_id, pp.valid_from AS at, pp.price_minor, pp.in_stock
    FROM price_points pp JOIN offers o ON o.id = pp.offer_id
), grid AS (
  -- Every offer of the product at every instant one of them changed, with
  -- its own change there if it had one; `n` counts its changes so far.
  SELECT e.product_id, e.at, f.id AS offer_id, p.price_minor, p.in_stock,
         count(p.price_minor) OVER (PARTITION BY f.id ORDER BY e.at) AS n
    FROM (SELECT DISTINCT product_id, at FROM pts) e
    JOIN offers f ON f.product_id = e.product_id
    LEFT JOIN pts p ON p.offer_id = f.id AND p.at = e.at
), state AS (
  SELECT product_id, at, offer_id,
         first_value(price_minor) OVER (PARTITION BY offer_id, n ORDER BY at) AS price_minor,
         first_value(in_stock) OVER (PARTITION BY offer_id, n ORDER BY at) AS in_stock
    FROM grid WHERE n > 0
), best AS (
  SELECT DISTINCT ON (product_id, at) product_id, at, price_minor
    FROM state
   ORDER BY product_id, at, in_stock DESC, price_minor, offer_id
)
INSERT INTO best_price_points (product_id, valid_from, price_minor)
SELECT product_id, at, price_minor
  FROM (SELECT best.*, price_minor IS DISTINCT FROM
                       lag(price_minor) OVER (PARTITION BY product_id ORDER BY at) AS differs
          FROM best) b
 WHERE differs;

-- The 30-day averages follow the rebuilt history.
UPDATE products p SET avg_30d_price_minor = a.average
  FROM (
    SELECT product_id,
           round(sum(price_minor * seconds) / nullif(sum(seconds), 0))::bigint AS average
      FROM (
        SELECT bp.product_id, bp.price_minor,
               extract(epoch FROM
                 coalesce(lead(bp.valid_from) OVER w, now())
                 - greatest(bp.valid_from, now() - interval '30 days')) AS seconds
          FROM best_price_points bp
         WHERE bp.valid_from >= coalesce(
                 (SELECT max(b2.valid_from) FROM best_price_points b2
                   WHERE b2.product_id = bp.product_id
                     AND b2.valid_from <= now() - interval '30 days'),
                 '-infinity')
        WINDOW w AS (PARTITION BY bp.product_id ORDER BY bp.valid_from)
      ) spans
     WHERE price_minor IS NOT NULL AND seconds > 0
     GROUP BY product_id
  ) a
 WHERE p.id = a.product_id
   AND p.avg_30d_price_minor IS DISTINCT FROM a.average;
