-- Ingestion moves a point's last sighting (price_points.last_seen_at) for
-- every observation that repeats its offer's price: ~700 rows of a batch of
-- 1,000. The month packs (price_point_months) hold no last sighting, but
-- the statement-level UPDATE trigger still collected every updated row
-- twice (old and new transition tables) and compared them to find none that
-- mattered: 1-2 ms of a batch's ~40 ms statement.
--
-- The UPDATE trigger is now a row trigger whose WHEN clause lets only a
-- change of what a pack holds through (offer, time, prices, stock): a moved
-- last sighting queues nothing. Such a change is rare (an observation at
-- the very instant of a stored point, with another price): its month is
-- packed again, as before. The statement function keeps its UPDATE branch
-- for the down migration; no trigger reaches it.
CREATE FUNCTION price_point_months_point_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_price_point_months(
    ARRAY[OLD.offer_id, NEW.offer_id],
    ARRAY[date_trunc('month', OLD.valid_from, 'UTC'), date_trunc('month', NEW.valid_from, 'UTC')]);
  RETURN NULL;
END $$;

DROP TRIGGER price_point_months_update ON price_points;
CREATE TRIGGER price_point_months_update AFTER UPDATE ON price_points
  FOR EACH ROW
  WHEN ((OLD.offer_id, OLD.valid_from, OLD.price_minor, OLD.original_price_minor, OLD.in_stock)
        IS DISTINCT FROM
        (NEW.offer_id, NEW.valid_from, NEW.price_minor, NEW.original_price_minor, NEW.in_stock))
  EXECUTE FUNCTION price_point_months_point_changed();
