-- Back to the statement-level UPDATE trigger of 0014.
DROP TRIGGER price_point_months_update ON price_points;
DROP FUNCTION price_point_months_point_changed();
CREATE TRIGGER price_point_months_update AFTER UPDATE ON price_points
  REFERENCING OLD TABLE AS old_points NEW TABLE AS new_points
  FOR EACH STATEMENT EXECUTE FUNCTION price_point_months_follow();
