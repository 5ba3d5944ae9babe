DROP INDEX products_drop_idx;
ALTER TABLE products DROP COLUMN drop_bps, DROP COLUMN best_price_changed_at,
  DROP COLUMN prev_best_price_minor;
