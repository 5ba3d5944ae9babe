-- A read model for GetPriceHistory: per offer and month (UTC), that
-- month's change points packed as columns. Reading a year of hourly
-- changes from price_points meant finding 8,760 index entries in 13
-- partitions and aggregating them (~4 ms of PostgreSQL CPU); here it is 13
-- rows (~0.2 ms), and the server turns each column into an array with one
-- copy, no Python object per point until the response.
--
-- Columns, each in valid_from order, one entry per change point:
--   times      int8send() of microseconds since the Unix epoch (8 bytes, big-endian)
--   prices     int8send() of price_minor
--   originals  int8send() of original_price_minor, 0 for none
--   stock      one byte per point, 1 in stock, 0 not
-- first_at is the month's first valid_from: the last month whose first_at
-- is before an instant holds the point in effect at it.
--
-- It is derived data, kept exact by statement triggers on price_points
-- (every writer: ingestion, offer upserts, COPY, a hand-written INSERT):
-- each (offer, month) a statement touched is rebuilt from price_points in
-- the same transaction. Partition retention (pricing/partitions.py)
-- rebuilds the months of a detached partition the same way.
CREATE TABLE price_point_months (
  offer_id  bigint NOT NULL,
  month     timestamptz NOT NULL,
  first_at  timestamptz NOT NULL,
  times     bytea NOT NULL,
  prices    bytea NOT NULL,
  originals bytea NOT NULL,
  stock     bytea NOT NULL,
  PRIMARY KEY (offer_id, month)
);

-- Rebuilds the rows of the (offer, UTC month) pairs given from price_points:
-- written when the month holds points, deleted when it holds none.
CREATE FUNCTION refresh_price_point_months(p_offers bigint[], p_months timestamptz[])
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

-- After each statement writing price_points: the months whose points it
-- changed. An UPDATE that only moves last_seen_at (most observations)
-- changes no month.
CREATE FUNCTION price_point_months_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE price_point_months;
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM refresh_price_point_months(array_agg(offer_id), array_agg(month))
       FROM (SELECT DISTINCT offer_id, date_trunc('month', valid_from, 'UTC') AS month
               FROM new_points) t
     HAVING count(*) > 0;
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

CREATE TRIGGER price_point_months_insert AFTER INSERT ON price_points
  REFERENCING NEW TABLE AS new_points
  FOR EACH STATEMENT EXECUTE FUNCTION price_point_months_follow();
CREATE TRIGGER price_point_months_update AFTER UPDATE ON price_points
  REFERENCING OLD TABLE AS old_points NEW TABLE AS new_points
  FOR EACH STATEMENT EXECUTE FUNCTION price_point_months_follow();
CREATE TRIGGER price_point_months_delete AFTER DELETE ON price_points
  REFERENCING OLD TABLE AS old_points
  FOR EACH STATEMENT EXECUTE FUNCTION price_point_months_follow();
CREATE TRIGGER price_point_months_truncate AFTER TRUNCATE ON price_points
  FOR EACH STATEMENT EXECUTE FUNCTION price_point_months_follow();

-- The history so far.
INSERT INTO price_point_months (offer_id, month, first_at, times, prices, originals, stock)
SELECT offer_id, date_trunc('month', valid_from, 'UTC'), min(valid_from),
       string_agg(int8send((extract(epoch FROM valid_from) * 1000000)::bigint), ''::bytea
                  ORDER BY valid_from),
       string_agg(int8send(price_minor), ''::bytea ORDER BY valid_from),
       string_agg(int8send(coalesce(original_price_minor, 0)), ''::bytea ORDER BY valid_from),
       string_agg(CASE WHEN in_stock THEN '\x01'::bytea ELSE '\x00'::bytea END, ''::bytea
                  ORDER BY valid_from)
  FROM price_points
 GROUP BY offer_id, date_trunc('month', valid_from, 'UTC');

-- GetPriceHistory reads price_point_months now (pricing/history.sql).
DROP FUNCTION offer_price_history(bigint, timestamptz, timestamptz);
