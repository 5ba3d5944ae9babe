DROP INDEX products_drop_vs_avg_idx;
ALTER TABLE products DROP COLUMN drop_vs_avg_bps, DROP COLUMN avg_30d_price_minor;
DROP TABLE best_price_points;
