-- name: history_start
-- The first day price_points can hold a row for: the first day of its
-- oldest attached monthly partition (retention detaches older ones).
SELECT min(to_date(substring(c.relname FROM '^price_points_(\d{4}_\d{2})$'), 'YYYY_MM'))
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'price_points'::regclass;
