-- The deals feed against a product's recent average: the best price's own
-- change points (by the time the service saw the change), and the 30-day
-- time-weighted average they give, kept on the product so "fell X% below
-- its average" is an indexed range too.
CREATE TABLE best_price_points (
  product_id  bigint NOT NULL REFERENCES products (id),
  valid_from  timestamptz NOT NULL,
  price_minor bigint,
  PRIMARY KEY (product_id, valid_from)
);
INSERT INTO best_price_points (product_id, valid_from, price_minor)
SELECT id, coalesce(best_price_changed_at, updated_at), best_price_minor
  FROM products WHERE best_price_minor IS NOT NULL;

ALTER TABLE products
  ADD COLUMN avg_30d_price_minor bigint,
  ADD COLUMN drop_vs_avg_bps integer GENERATED ALWAYS AS (
    CASE WHEN avg_30d_price_minor > best_price_minor AND best_price_minor > 0
         THEN ((avg_30d_price_minor - best_price_minor) * 10000 / avg_30d_price_minor)::integer
         ELSE 0 END) STORED;
CREATE INDEX products_drop_vs_avg_idx ON products (drop_vs_avg_bps DESC, id DESC)
  WHERE drop_vs_avg_bps > 0 AND deleted_at IS NULL;
