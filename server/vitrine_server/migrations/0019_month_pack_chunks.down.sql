-- Back to one row per (offer, month): every month held by several chunks
-- packed into one row again, then 0018's functions.
SELECT refresh_price_point_months(array_agg(offer_id), array_agg(month))
  FROM (SELECT offer_id, month FROM price_point_months
         GROUP BY offer_id, month HAVING count(*) > 1) t
HAVING count(*) > 0;
ALTER TABLE price_point_months DROP CONSTRAINT price_point_months_pkey;
ALTER TABLE price_point_months ADD PRIMARY KEY (offer_id, month);

CREATE OR REPLACE FUNCTION refresh_price_point_months(p_offers bigint[], p_months timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH pairs AS (
    SELECT DISTINCT offer_id, month,
           ((month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' AS month_end
      FROM unnest(p_offers, p_months) AS t (offer_id, month)
  ), packed AS (
    SELECT pr.offer_id, pr.month, c.*
      FROM pairs pr CROSS JOIN LATERAL (
        SELECT min(p.valid_from) AS first_at,
               string_agg(int8send((extract(epoch FROM p.valid_from) * 1000000)::bigint), ''::bytea
                          ORDER BY p.valid_from) AS times,
               string_agg(int8send(p.price_minor), ''::bytea ORDER BY p.valid_from) AS prices,
               string_agg(int8send(coalesce(p.original_price_minor, 0)), ''::bytea
                          ORDER BY p.valid_from) AS originals,
               string_agg(CASE WHEN p.in_stock THEN '\x01'::bytea ELSE '\x00'::bytea END,
                          ''::bytea ORDER BY p.valid_from) AS stock
          FROM price_points p
         WHERE p.offer_id = pr.offer_id AND p.valid_from >= pr.month
           AND p.valid_from < pr.month_end) c
  ), emptied AS (
    DELETE FROM price_point_months m
     USING packed k
     WHERE k.first_at IS NULL AND m.offer_id = k.offer_id AND m.month = k.month
  )
  INSERT INTO price_point_months AS m (offer_id, month, first_at, times, prices, originals, stock)
  SELECT offer_id, month, first_at, times, prices, originals, stock
    FROM packed WHERE first_at IS NOT NULL
  ON CONFLICT (offer_id, month) DO UPDATE
     SET first_at = excluded.first_at, times = excluded.times, prices = excluded.prices,
         originals = excluded.originals, stock = excluded.stock;
END $$;

CREATE OR REPLACE FUNCTION price_point_months_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rebuild_offers bigint[];
  rebuild_months timestamptz[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE price_point_months;
  ELSIF TG_OP = 'INSERT' THEN
    WITH added AS (
      SELECT offer_id, date_trunc('month', valid_from, 'UTC') AS month, valid_from,
             price_minor, original_price_minor, in_stock
        FROM new_points
    ), pairs AS (
      -- The month's last packed instant: the last 8 bytes of times.
      SELECT a.offer_id, a.month, min(a.valid_from) AS lo, min(m.offer_id) IS NULL AS unpacked,
             min(('x' || encode(substring(m.times FROM length(m.times) - 7), 'hex'))
                   ::bit(64)::bigint) AS last_us
        FROM added a
        LEFT JOIN price_point_months m ON m.offer_id = a.offer_id AND m.month = a.month
       GROUP BY a.offer_id, a.month
    ), packed AS (
      -- The new points of each (offer, month) packed as the columns are.
      SELECT a.offer_id, a.month, min(a.valid_from) AS first_at,
             string_agg(int8send((extract(epoch FROM a.valid_from) * 1000000)::bigint),
                        ''::bytea ORDER BY a.valid_from) AS times,
             string_agg(int8send(a.price_minor), ''::bytea ORDER BY a.valid_from) AS prices,
             string_agg(int8send(coalesce(a.original_price_minor, 0)), ''::bytea
                        ORDER BY a.valid_from) AS originals,
             string_agg(CASE WHEN a.in_stock THEN '\x01'::bytea ELSE '\x00'::bytea END,
                        ''::bytea ORDER BY a.valid_from) AS stock
        FROM added a GROUP BY a.offer_id, a.month
    ), kinds AS (
      SELECT p.offer_id, p.month,
             CASE WHEN p.unpacked THEN 'new'
                  WHEN (extract(epoch FROM p.lo) * 1000000)::bigint > p.last_us THEN 'append'
                  ELSE 'rebuild' END AS kind
        FROM pairs p
    ), appended AS (
      UPDATE price_point_months m
         SET times = m.times || k.times, prices = m.prices || k.prices,
             originals = m.originals || k.originals, stock = m.stock || k.stock
        FROM packed k JOIN kinds USING (offer_id, month)
       WHERE kinds.kind = 'append' AND m.offer_id = k.offer_id AND m.month = k.month
    ), inserted AS (
      INSERT INTO price_point_months (offer_id, month, first_at, times, prices, originals, stock)
      SELECT k.offer_id, k.month, k.first_at, k.times, k.prices, k.originals, k.stock
        FROM packed k JOIN kinds USING (offer_id, month)
       WHERE kinds.kind = 'new'
    )
    SELECT array_agg(offer_id), array_agg(month) INTO rebuild_offers, rebuild_months
      FROM kinds WHERE kind = 'rebuild';
    IF rebuild_offers IS NOT NULL THEN
      PERFORM refresh_price_point_months(rebuild_offers, rebuild_months);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_price_point_months(array_agg(offer_id), array_agg(month))
       FROM (SELECT DISTINCT offer_id, date_trunc('month', valid_from, 'UTC') AS month
               FROM old_points) t
     HAVING count(*) > 0;
  ELSE
    PERFORM refresh_price_point_months(array_agg(offer_id), array_agg(month))
       FROM (SELECT DISTINCT offer_id, date_trunc('month', valid_from, 'UTC') AS month
               FROM ((SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
                        FROM old_points
                      EXCEPT
                      SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
                        FROM new_points)
                     UNION ALL
                     (SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
                        FROM new_points
                      EXCEPT
                      SELECT offer_id, valid_from, price_minor, original_price_minor, in_stock
                        FROM old_points)) changed) t
     HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;
