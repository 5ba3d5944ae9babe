-- Back to full pages (existing pages keep their layout until rewritten),
-- and the scrape times back on products.
UPDATE products p SET last_scraped_at = o.seen
  FROM (SELECT product_id, max(last_seen_at) AS seen FROM offers GROUP BY product_id) o
 WHERE o.product_id = p.id AND o.seen > coalesce(p.last_scraped_at, '-infinity');
ALTER TABLE offers RESET (fillfactor);
ALTER TABLE products RESET (fillfactor);
ALTER TABLE price_point_months RESET (fillfactor);

DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits
               WHERE inhparent = 'price_points'::regclass LOOP
    EXECUTE format('ALTER TABLE %s RESET (fillfactor)', part);
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
      EXECUTE format('CREATE TABLE %I PARTITION OF price_points FOR VALUES FROM (%L) TO (%L)',
                     part, m::timestamptz, (m + interval '1 month')::timestamptz);
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;

-- Every (offer, month) an INSERT touched rebuilt from price_points again.
CREATE OR REPLACE FUNCTION price_point_months_follow() RETURNS trigger LANGUAGE plpgsql AS $$
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
