-- Appending a scraper's new point to its month in price_point_months (0018)
-- still read the month's whole row and wrote it again: four columns that
-- grow by 25 bytes a point, TOASTed (compressed, out of line) past ~2 KB.
-- An offer observed every few minutes holds hundreds of points a month, so
-- each append cost more as the month filled, and ingestion slowed down as
-- price_points grew (a sustained run lost a third of its throughput by 4.6
-- million rows).
--
-- A month may now be held by several rows, chunks in time order, each
-- keyed by its first point: appends go to the month's last chunk while it
-- holds fewer than 64 points (a row of ~1.6 KB, kept inline: no TOAST, and
-- an update in place on its page), then start a new one. What a month's
-- rows say together is what one row said before: the concatenation of
-- their columns in first_at order. A rebuild (a late point in the middle
-- of a month, a changed or deleted point, a retired partition) packs the
-- month into one row again.
ALTER TABLE price_point_months DROP CONSTRAINT price_point_months_pkey;
ALTER TABLE price_point_months ADD PRIMARY KEY (offer_id, first_at);

CREATE OR REPLACE FUNCTION refresh_price_point_months(p_offers bigint[], p_months timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Two statements: the rows of a month are deleted before it is packed
  -- again, so the new row's key never meets an old chunk's.
  DELETE FROM price_point_months m
   USING (SELECT DISTINCT offer_id, month FROM unnest(p_offers, p_months) AS t (offer_id, month)) p
   WHERE m.offer_id = p.offer_id AND m.month = p.month;
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
  )
  INSERT INTO price_point_months (offer_id, month, first_at, times, prices, originals, stock)
  SELECT offer_id, month, first_at, times, prices, originals, stock
    FROM packed WHERE first_at IS NOT NULL;
END $$;

-- The INSERT path of 0018, with chunks: new points later than everything
-- packed for their (offer, month) go to the month's last chunk when it has
-- room for them, else into a new chunk; a month not packed yet gets its
-- first chunk; anything else (a late point inside a month) is rebuilt.
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
      SELECT offer_id, month, min(valid_from) AS lo, count(*) AS added
        FROM added GROUP BY offer_id, month
    ), tails AS (
      -- Each month's last chunk: its key, its size (a byte of stock per
      -- point) and its last instant (the last 8 bytes of times).
      SELECT p.offer_id, p.month, p.lo, p.added, t.first_at AS tail_at, t.points, t.last_us
        FROM pairs p LEFT JOIN LATERAL (
          SELECT m.first_at, octet_length(m.stock) AS points,
                 ('x' || encode(substring(m.times FROM length(m.times) - 7), 'hex'))
                   ::bit(64)::bigint AS last_us
            FROM price_point_months m
           WHERE m.offer_id = p.offer_id AND m.first_at >= p.month
             AND m.first_at < ((p.month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
           ORDER BY m.first_at DESC LIMIT 1) t ON true
    ), kinds AS (
      SELECT offer_id, month, tail_at,
             CASE WHEN tail_at IS NULL THEN 'new'
                  WHEN (extract(epoch FROM lo) * 1000000)::bigint <= last_us THEN 'rebuild'
                  WHEN points + added <= 64 THEN 'append'
                  ELSE 'new' END AS kind
        FROM tails
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
    ), appended AS (
      UPDATE price_point_months m
         SET times = m.times || k.times, prices = m.prices || k.prices,
             originals = m.originals || k.originals, stock = m.stock || k.stock
        FROM packed k JOIN kinds USING (offer_id, month)
       WHERE kinds.kind = 'append' AND m.offer_id = k.offer_id AND m.first_at = kinds.tail_at
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
