-- Price ingestion rewrites the same rows over and over: every observation
-- moves its offer's last_seen_at and its current change point's
-- last_seen_at, and every batch refreshes the best offer of the products it
-- touched. None of those columns is indexed, so PostgreSQL can update them
-- in place on the same page (a HOT update: no new index entries) -- if the
-- page has room. Full pages (the default fillfactor, 100) turned most of
-- them into a new tuple on another page plus an entry in every index.
-- Leave room on the pages of these tables. Existing pages get it as their
-- rows move (each row's first non-HOT update lands on a page filled to the
-- new factor); no rewrite here, which would lock the tables.
ALTER TABLE offers SET (fillfactor = 70);

-- When a product was last scraped is the latest sighting of its offers.
-- Kept on products, it rewrote the whole wide row (and, with no room on its
-- page, an entry in each of its 13 indexes, and a row through the search
-- feed's trigger) for every product a batch touched, though none of its
-- offers changed price. Catalog reads now take the latest of the offers'
-- last_seen_at (a few rows per product, by offers_product_rank_idx) and of
-- products.last_scraped_at, which ingestion no longer writes.
ALTER TABLE products SET (fillfactor = 70);
ALTER TABLE price_point_months SET (fillfactor = 70);

-- The monthly partitions of price_points: the current point of an offer
-- has its last_seen_at moved by every unchanged observation.
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits
               WHERE inhparent = 'price_points'::regclass LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 85)', part);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION ensure_price_point_partitions(from_month date, to_month date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_month)::date;
  created integer := 0;
  part text;
BEGIN
  WHILE m <= to_month LOOP
    part := format('price_points_%s', to_char(m, 'YYYY_MM'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF price_points FOR VALUES FROM (%L) TO (%L)'
                     ' WITH (fillfactor = 85)',
                     part, m::timestamptz, (m + interval '1 month')::timestamptz);
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;

-- The months of price_point_months an INSERT touched were each rebuilt
-- from price_points: every point of the offer in that month read and packed
-- again for one new point, a cost that grows with the month's history. A
-- scraper's new points come after everything stored for their offer, so
-- they are appended to the packed columns instead (when every new point of
-- an (offer, month) is later than the month's last; a month not packed yet
-- has no points, so it is packed from the new ones alone). Anything else
-- (a late point in the middle of a month, a month another trigger of the
-- same statement rebuilt already) is rebuilt as before.
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
